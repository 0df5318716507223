using System.Text;
using Overlay.Actors.Addressing;

namespace Overlay.Node.SubnetEnv;

/// <summary>
/// flannel's subnet.env, the contract with the flannel CNI plugin: exactly FLANNEL_NETWORK,
/// FLANNEL_SUBNET (first host address / subnet prefix length), FLANNEL_MTU and FLANNEL_IPMASQ, in that
/// order, one per line. Written atomically (temp file in the same directory, then rename), so a reader
/// sees the old file or the new one, never a part. Thread-safe (no shared state); concurrent writers
/// to one path each leave a complete file.
/// </summary>
public static class SubnetEnvFile
{
    private const UnixFileMode FileMode0644 =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode DirectoryMode0755 =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const string SubnetKey = "FLANNEL_SUBNET=";

    /// <summary>The file's text, e.g. "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n".</summary>
    public static string Format(Ipv4Subnet network, Ipv4Subnet subnet, int mtu, bool ipMasq) =>
        $"FLANNEL_NETWORK={network}\n" +
        $"{SubnetKey}{subnet.FirstHost}/{subnet.PrefixLength}\n" +
        $"FLANNEL_MTU={mtu}\n" +
        $"FLANNEL_IPMASQ={(ipMasq ? "true" : "false")}\n";

    /// <summary>
    /// Writes the file at <paramref name="path"/> atomically with mode 0644, creating missing parent
    /// directories with mode 0755. Throws <see cref="IOException"/> naming the path on failure; a
    /// failed write leaves any earlier file intact and no temp file behind.
    /// </summary>
    public static void Write(string path, Ipv4Subnet network, Ipv4Subnet subnet, int mtu, bool ipMasq)
    {
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath)!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            // overlay-node is Linux-only; the guards only satisfy the platform analyzer.
            var unix = !OperatingSystem.IsWindows();
            if (!Directory.Exists(directory))
            {
                if (unix)
                    Directory.CreateDirectory(directory, DirectoryMode0755);
                else
                    Directory.CreateDirectory(directory);
            }
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (unix)
                options.UnixCreateMode = FileMode0644;
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(Encoding.ASCII.GetBytes(Format(network, subnet, mtu, ipMasq)));
                stream.Flush(flushToDisk: true);
            }
            // The umask may have narrowed the create mode; the CNI plugin needs to read the file.
            if (unix)
                File.SetUnixFileMode(temp, FileMode0644);
            File.Move(temp, fullPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new IOException($"failed to write subnet file {fullPath}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The subnet recorded in FLANNEL_SUBNET of the file at <paramref name="path"/> ("10.244.1.1/24"
    /// reads as 10.244.1.0/24), or null when the file is missing, unreadable or has no valid value.
    /// Never throws; used to ask the registry for the previous subnet again.
    /// </summary>
    public static Ipv4Subnet? TryReadSubnet(string path)
    {
        try
        {
            foreach (var rawLine in File.ReadLines(path))
            {
                var line = rawLine.Trim();
                if (!line.StartsWith(SubnetKey, StringComparison.Ordinal))
                    continue;
                var value = line[SubnetKey.Length..];
                var slash = value.IndexOf('/');
                if (slash <= 0
                    || !Ipv4.TryParse(value[..slash], out var address)
                    || !int.TryParse(value[(slash + 1)..], System.Globalization.NumberStyles.None,
                        System.Globalization.CultureInfo.InvariantCulture, out var prefix)
                    || prefix > 32)
                    return null;
                return new Ipv4Subnet(address & Ipv4Subnet.MaskOf(prefix), prefix);
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException
                                      or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
