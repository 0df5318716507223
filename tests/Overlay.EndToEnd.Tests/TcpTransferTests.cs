using System.Text.RegularExpressions;
using Overlay.EndToEnd.Tests.Infrastructure;

namespace Overlay.EndToEnd.Tests;

/// <summary>Bulk TCP across the overlay arrives complete and unaltered.</summary>
[Collection(OverlayLabCollection.Name)]
public sealed class TcpTransferTests(OverlayLabFixture lab, ITestOutputHelper output)
{
    private const int Port = 5001;

    [LabFact]
    public Task OneHundredMebibytesFromPod1ToPod3ArriveWithTheSameSha256() => lab.RunAsync(output, async () =>
    {
        var (sent, received) = await TransferAsync(lab, 1, 3, EndToEndConstants.TransferBytes, seed: 42);

        Assert.Equal(EndToEndConstants.TransferBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), sent.Groups["bytes"].Value);
        Assert.Equal(sent.Groups["bytes"].Value, received.Groups["bytes"].Value);
        Assert.Equal(sent.Groups["sha"].Value, received.Groups["sha"].Value);
        double seconds = double.Parse(received.Groups["ms"].Value, System.Globalization.CultureInfo.InvariantCulture) / 1000;
        output.WriteLine($"100 MiB p1 -> p3 in {seconds:F2} s = {EndToEndConstants.TransferBytes * 8 / seconds / 1e6:F0} Mbit/s, sha256 {sent.Groups["sha"].Value}");
    });

    /// <summary>Moves <paramref name="bytes"/> from pod <paramref name="from"/> to pod
    /// <paramref name="to"/> with overlay-fuzz send-tcp/recv-tcp; returns both reports.</summary>
    internal static async Task<(Match Sent, Match Received)> TransferAsync(OverlayLabFixture lab, int from, int to, long bytes, int seed)
    {
        int maxSeconds = (int)EndToEndConstants.TransferTimeout.TotalSeconds;
        var receiver = lab.StartFuzzTool($"recv-tcp p{to}", lab.Topology.Pod(to), ["recv-tcp", "--listen", $"0.0.0.0:{Port}", "--max-seconds", $"{maxSeconds}"]);
        await receiver.WaitForLineAsync("listening on", l => l.StartsWith("listening on", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

        var sender = lab.StartFuzzTool(
            $"send-tcp p{from}",
            lab.Topology.Pod(from),
            ["send-tcp", "--connect", $"{lab.PodAddress(to)}:{Port}", "--bytes", $"{bytes}", "--seed", $"{seed}", "--max-seconds", $"{maxSeconds}"]);
        var bound = EndToEndConstants.TransferTimeout + TimeSpan.FromSeconds(30);
        await sender.WaitForExitAsync(bound);
        await receiver.WaitForExitAsync(bound);

        Assert.True(sender.ExitCode == 0, $"send-tcp p{from} -> p{to} exited with {sender.ExitCode}:\n{sender.Tail(10)}");
        Assert.True(receiver.ExitCode == 0, $"recv-tcp in p{to} exited with {receiver.ExitCode}:\n{receiver.Tail(10)}");
        var sent = StreamReport.Pattern().Match(string.Join('\n', sender.Lines));
        var received = StreamReport.Pattern().Match(string.Join('\n', receiver.Lines));
        Assert.True(sent.Success, sender.Tail(10));
        Assert.True(received.Success, receiver.Tail(10));
        return (sent, received);
    }

}
