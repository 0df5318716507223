using System.Net;
using Overlay.Node.Dataplane;
using Overlay.Node.Tun;
using Overlay.Node.Udp;
using Overlay.Testing;
using static Overlay.Node.Dataplane.DataplaneConstants;
using static Overlay.Node.Tests.Packets;
using static Overlay.Node.Tests.TestNetwork;

namespace Overlay.Node.Tests;

/// <summary>The UDP-to-TUN pump under --pump-scheduling adaptive: <see cref="OutsidePump.Run"/> reports
/// every receive call's datagrams to its governor and applies each change on its own thread.</summary>
public class OutsidePumpSchedulingTests
{
    [Fact]
    public void A_burst_makes_the_running_pump_normal_and_a_run_of_small_calls_batch_again()
    {
        // One GRO batch of ReceiveBurstDatagrams datagrams, then ReceiveQuietCalls single datagrams, then closed.
        var calls = new List<int> { ReceiveBurstDatagrams };
        calls.AddRange(Enumerable.Repeat(1, ReceiveQuietCalls));
        var udp = new ScriptedReceiveUdp(calls);
        using var tun = new ChannelTunDevice("overlay0", 1472);
        var table = new ForwardingTableRef(ForwardingTable.Empty(Config()));
        var applied = new List<(PumpScheduling Policy, int Call)>();
        var pump = new OutsidePump(udp, tun, table, new DropCounters(), S("10.244.1.0/24"), sourceCheck: true,
            governor: new ReceiveSchedulingGovernor(), applyScheduling: p => { applied.Add((p, udp.Calls)); return null; });

        pump.Run();

        // Applied right after the call that caused it: the burst (call 1) and the last quiet call.
        Assert.Equal([(PumpScheduling.Normal, 1), (PumpScheduling.Batch, 1 + ReceiveQuietCalls)], applied);
    }

    /// <summary>Returns, per call, one batch of the scripted number of 20-byte datagrams (not IPv4: the pump
    /// drops them, which is irrelevant here), then 0 (closed).</summary>
    private sealed class ScriptedReceiveUdp(IReadOnlyList<int> datagramsPerCall) : IUdpTransport
    {
        private const int DatagramSize = 20;
        public int Calls;
        public IPEndPoint LocalEndPoint { get; } = new(IPAddress.Parse("192.0.2.1"), 8285);
        public bool SegmentationEnabled => true;
        public bool GroEnabled => true;
        public event Action<string>? SegmentationDisabled { add { } remove { } }
        public bool EnableGro() => true;
        public int SendSegments(ReadOnlySpan<IoVector> parts, int partsPerDatagram, int segmentSize, int count, System.Net.SocketAddress destination) => count;

        public int ReceiveBatches(Span<byte> buffer, int slotSize, Span<ReceivedBatch> batches)
        {
            if (Calls == datagramsPerCall.Count)
                return 0;
            var length = datagramsPerCall[Calls++] * DatagramSize;
            buffer[..length].Clear();
            batches[0] = new ReceivedBatch(0, length, DatagramSize, new UdpSource(A("192.0.2.2"), 8285));
            return 1;
        }

        public void Dispose() { }
    }
}
