using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Overlay.EndToEnd.Tests.Infrastructure;

namespace Overlay.EndToEnd.Tests;

/// <summary>
/// The overlay-fuzz tool's modes against loopback, so the root tests can trust what it reports.
/// Need neither root nor namespaces.
/// </summary>
public sealed class FuzzToolTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task FuzzSendsEveryCategoryAndReportsExactlyWhatArrived()
    {
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.ReceiveBufferSize = 8 * 1024 * 1024;
        receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var target = (IPEndPoint)receiver.LocalEndPoint!;
        const int count = 3000;

        var received = new List<byte[]>();
        bool toolExited = false;
        var receiving = Task.Run(() => ReceiveAll(receiver, received, () => Volatile.Read(ref toolExited)));
        var run = await RunToolAsync(
            ["fuzz", "--target", target.ToString(), "--count", $"{count}", "--seed", "11", "--rate", "5000", "--max-seconds", "30",
             "--target-subnet", "10.244.1.0/24", "--spoof-subnet", "10.244.2.0/24"]);
        var report = FuzzReport.Parse(run.Stdout);
        Volatile.Write(ref toolExited, true);
        await receiving;

        Assert.Equal(count, report["total"]);
        foreach (string category in new[] { "random", "truncated", "bad_version", "bad_ihl", "bad_total_length", "spoofed" })
        {
            Assert.True(report[category] > 0, $"no {category} datagrams in: {run.Stdout}");
        }

        Assert.Equal(report["total"], received.Count);
        Assert.All(received, d => Assert.True(d.Length <= 1472, $"datagram of {d.Length} bytes exceeds the inner MTU"));

        // Exactly the spoofed ones are well-formed IPv4, and they go from 10.244.2.x to 10.244.1.x.
        var wellFormed = received.Where(IsWellFormedIpv4).ToList();
        Assert.Equal(report["spoofed"], wellFormed.Count);
        Assert.All(wellFormed, d =>
        {
            Assert.Equal(new byte[] { 10, 244, 2 }, d[12..15]);
            Assert.Equal(new byte[] { 10, 244, 1 }, d[16..19]);
        });
    }

    [Fact]
    public async Task FuzzStopsAtMaxSeconds()
    {
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        var run = await RunToolAsync(
            ["fuzz", "--target", receiver.LocalEndPoint!.ToString()!, "--count", "1000000", "--rate", "1000", "--max-seconds", "1"],
            expectedExitCode: 2);

        var report = FuzzReport.Parse(run.Stdout);
        Assert.InRange(report["total"], 1, 1500);
        Assert.InRange(report["elapsed_ms"], 900, 5000);
    }

    [Fact]
    public async Task FuzzNamesTheBadOperand()
    {
        var run = await RunToolAsync(["fuzz", "--target", "192.0.2.11"], expectedExitCode: 1);
        Assert.Contains("--target is not an IPv4 address:port: '192.0.2.11'", run.Stderr);
    }

    [Fact]
    public async Task SendTcpAndRecvTcpAgreeOnTheSha256OfTheStream()
    {
        int port = FreeTcpPort();
        await using var receiver = ManagedProcess.Start(
            "recv-tcp", null, RepositoryLayout.DotnetHost,
            [RepositoryLayout.FuzzDll, "recv-tcp", "--listen", $"127.0.0.1:{port}", "--max-seconds", "60"]);
        await receiver.WaitForLineAsync("listening", l => l.StartsWith("listening on", StringComparison.Ordinal), ToolTimeout);

        var sent = await RunToolAsync(["send-tcp", "--connect", $"127.0.0.1:{port}", "--bytes", "10485761", "--seed", "5", "--max-seconds", "60"]);
        await receiver.WaitForExitAsync(ToolTimeout);

        var sender = StreamReport.Pattern().Match(sent.Stdout);
        var arrived = StreamReport.Pattern().Match(string.Join('\n', receiver.Lines));
        Assert.True(sender.Success, sent.Stdout);
        Assert.True(arrived.Success, receiver.Tail());
        Assert.Equal(0, receiver.ExitCode);
        Assert.Equal("10485761", sender.Groups["bytes"].Value);
        Assert.Equal(sender.Groups["bytes"].Value, arrived.Groups["bytes"].Value);
        Assert.Equal(sender.Groups["sha"].Value, arrived.Groups["sha"].Value);
    }

    [Fact]
    public async Task SendTcpGivesUpAtMaxSecondsWhenNobodyListens()
    {
        var run = await RunToolAsync(
            ["send-tcp", "--connect", $"127.0.0.1:{FreeTcpPort()}", "--bytes", "10", "--max-seconds", "1"],
            expectedExitCode: 2);
        Assert.Contains("did not succeed within 1s", run.Stdout);
    }

    private async Task<CommandResult> RunToolAsync(string[] arguments, int expectedExitCode = 0)
    {
        var result = await CommandRunner.RunAsync(RepositoryLayout.DotnetHost, [RepositoryLayout.FuzzDll, .. arguments], ToolTimeout);
        output.WriteLine(result.ToString());
        Assert.True(result.ExitCode == expectedExitCode, $"expected exit code {expectedExitCode}: {result}");
        return result;
    }

    /// <summary>Reads datagrams until the sender has exited and the socket stays empty for one
    /// receive timeout: by then everything sent has been read.</summary>
    private static void ReceiveAll(Socket socket, List<byte[]> received, Func<bool> senderExited)
    {
        socket.ReceiveTimeout = 500;
        byte[] buffer = new byte[65536];
        var deadline = DateTime.UtcNow + ToolTimeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                int length = socket.Receive(buffer);
                received.Add(buffer[..length]);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                if (senderExited())
                {
                    return;
                }
            }
        }
    }

    private static bool IsWellFormedIpv4(byte[] d)
    {
        return d.Length >= 20
            && d[0] == 0x45
            && BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(2)) == d.Length;
    }

    private static int FreeTcpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
