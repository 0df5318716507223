using Overlay.Node.SubnetEnv;
using static Overlay.Node.Tests.TestNetwork;

namespace Overlay.Node.Tests;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SubnetEnvFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"overlay-subnetenv-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Writes_exactly_the_four_flannel_keys_in_order()
    {
        var path = Path.Combine(_dir, "run", "flannel", "subnet.env");
        SubnetEnvFile.Write(path, S("10.244.0.0/16"), S("10.244.1.0/24"), 1472, ipMasq: false);

        Assert.Equal(
            "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n",
            File.ReadAllText(path));
    }

    [Fact]
    public void File_is_0644_and_created_directories_0755()
    {
        var path = Path.Combine(_dir, "a", "subnet.env");
        SubnetEnvFile.Write(path, S("10.244.0.0/16"), S("10.244.1.0/24"), 1472, ipMasq: true);

        Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(path));
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        Assert.Contains("FLANNEL_IPMASQ=true\n", File.ReadAllText(path));
    }

    [Fact]
    public void Rewrite_replaces_the_file_atomically_and_leaves_no_temp_files()
    {
        var path = Path.Combine(_dir, "subnet.env");
        SubnetEnvFile.Write(path, S("10.244.0.0/16"), S("10.244.1.0/24"), 1472, false);
        using (var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            SubnetEnvFile.Write(path, S("10.244.0.0/16"), S("10.244.7.0/24"), 1450, false);
            // A reader that opened the old file keeps reading the old, complete content: the new file
            // was renamed over it, not written into it.
            using var text = new StreamReader(reader);
            Assert.Contains("FLANNEL_SUBNET=10.244.1.1/24", text.ReadToEnd());
        }
        Assert.Contains("FLANNEL_SUBNET=10.244.7.1/24\nFLANNEL_MTU=1450\n", File.ReadAllText(path));
        Assert.Equal(["subnet.env"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Reads_the_subnet_back()
    {
        var path = Path.Combine(_dir, "subnet.env");
        SubnetEnvFile.Write(path, S("10.244.0.0/16"), S("10.244.42.0/24"), 1472, false);
        Assert.Equal(S("10.244.42.0/24"), SubnetEnvFile.TryReadSubnet(path));
    }

    [Theory]
    [InlineData("FLANNEL_SUBNET=banana\n")]
    [InlineData("FLANNEL_SUBNET=10.244.1.1\n")]
    [InlineData("FLANNEL_SUBNET=10.244.1.1/33\n")]
    [InlineData("FLANNEL_SUBNET=10.244.1.1/-1\n")]
    [InlineData("FLANNEL_SUBNET=::1/64\n")]
    [InlineData("FLANNEL_NETWORK=10.244.0.0/16\n")]
    [InlineData("")]
    public void Bad_or_missing_values_read_as_null(string content)
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "subnet.env");
        File.WriteAllText(path, content);
        Assert.Null(SubnetEnvFile.TryReadSubnet(path));
    }

    [Fact]
    public void A_missing_file_or_directory_reads_as_null()
    {
        Assert.Null(SubnetEnvFile.TryReadSubnet(Path.Combine(_dir, "nope", "subnet.env")));
        Directory.CreateDirectory(_dir);
        Assert.Null(SubnetEnvFile.TryReadSubnet(_dir));
    }

    [Fact]
    public void A_failed_write_names_the_path()
    {
        Directory.CreateDirectory(_dir);
        var blocker = Path.Combine(_dir, "file");
        File.WriteAllText(blocker, "x");
        var path = Path.Combine(blocker, "subnet.env");
        var error = Assert.Throws<IOException>(() => SubnetEnvFile.Write(path, S("10.244.0.0/16"), S("10.244.1.0/24"), 1472, false));
        Assert.Contains(path, error.Message);
    }
}
