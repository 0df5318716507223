using Overlay.EndToEnd.Tests.Infrastructure;

namespace Overlay.EndToEnd.Tests;

/// <summary>
/// An overlay-node with offloads (TUN TSO, UDP GSO/GRO) and one with <c>--offload off</c> speak the
/// same wire format: 100 MiB of TCP each way between their pods arrives with the same SHA-256.
/// </summary>
[Collection(OverlayLabCollection.Name)]
public sealed class OffloadInteropTests(OverlayLabFixture lab, ITestOutputHelper output)
{
    private const int PlainHost = 2;

    [LabFact]
    public Task OneHundredMebibytesEachWayBetweenAnOffloadNodeAndAPlainNodeArriveWithTheSameSha256() => lab.RunAsync(output, async () =>
    {
        await lab.StopNodeAsync(PlainHost);
        lab.SetNodeExtraArgs(PlainHost, "--offload", "off");
        try
        {
            await lab.StartNodeAsync(PlainHost);
            Assert.Contains(lab.Node(PlainHost)!.Lines, l => l.Contains("offloads off", StringComparison.Ordinal));
            await lab.WaitForFullMeshAsync();
            Assert.Contains(lab.Node(1)!.Lines, l => l.Contains("offloads on", StringComparison.Ordinal));

            foreach (var (from, to, seed) in new[] { (1, PlainHost, 7), (PlainHost, 1, 8) })
            {
                var (sent, received) = await TcpTransferTests.TransferAsync(lab, from, to, EndToEndConstants.TransferBytes, seed);
                Assert.Equal(EndToEndConstants.TransferBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), received.Groups["bytes"].Value);
                Assert.Equal(sent.Groups["sha"].Value, received.Groups["sha"].Value);
                double seconds = double.Parse(received.Groups["ms"].Value, System.Globalization.CultureInfo.InvariantCulture) / 1000;
                output.WriteLine($"100 MiB p{from} -> p{to} in {seconds:F2} s, sha256 {sent.Groups["sha"].Value}");
            }
        }
        finally
        {
            // Leave the shared lab as the other tests expect it: every node with default flags.
            lab.SetNodeExtraArgs(PlainHost);
            if (lab.Node(PlainHost) is { HasExited: false })
                await lab.StopNodeAsync(PlainHost);
            await lab.StartNodeAsync(PlainHost);
            await lab.WaitForFullMeshAsync();
        }
    });
}
