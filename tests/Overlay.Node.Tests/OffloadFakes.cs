using System.Net;
using Overlay.Node.Tun;
using Overlay.Node.Udp;

namespace Overlay.Node.Tests;

/// <summary>An offload TUN that records each gathered write as one array (virtio header included).</summary>
internal sealed class RecordingOffloadTun(int mtu = 1472) : ITunDevice, IGatherWriter
{
    private CoalescingTunWriter? _writer;
    public readonly List<byte[]> Written = new();
    public bool Reject { get; set; }
    public bool RejectGso { get; set; }
    public long Writes;
    public bool Record { get; set; } = true;
    public string Name => "rec0";
    public int Mtu { get; } = mtu;
    public bool OffloadsEnabled => true;
    public bool UdpOffloads { get; init; }
    public bool UdpOffloadsEnabled => UdpOffloads;

    /// <summary>The device's batch writer, as <see cref="LinuxTunDevice"/> has one when opened with offloads.</summary>
    public CoalescingTunWriter Writer => _writer ??= new CoalescingTunWriter(this, UdpOffloadsEnabled);

    public TunBatchResult WriteBatch(ReadOnlySpan<IoVector> packets, Span<bool> written) => Writer.Write(packets, written);

    public event Action<string>? CoalescingDisabled
    {
        add => Writer.CoalescingDisabled += value;
        remove => Writer.CoalescingDisabled -= value;
    }
    public int Read(Span<byte> buffer, out VirtioNetHeader offload)
    {
        offload = default;
        return 0;
    }

    private static readonly byte[] ZeroHeader = new byte[VirtioNetHeader.Size];

    /// <summary>Records the packet as the Linux device writes it: behind a zero virtio_net_hdr.</summary>
    public unsafe bool Write(ReadOnlySpan<byte> packet)
    {
        fixed (byte* h = ZeroHeader)
        fixed (byte* p = packet)
        {
            Span<IoVector> parts = [new IoVector(h, VirtioNetHeader.Size), new IoVector(p, packet.Length)];
            return WriteGather(parts);
        }
    }

    public bool WriteGather(ReadOnlySpan<IoVector> parts)
    {
        if (Reject || (RejectGso && parts[0].AsSpan()[1] != 0))
            return false;
        Writes++;
        if (!Record)
            return true;
        var total = 0;
        foreach (var part in parts)
            total += (int)part.Length;
        var bytes = new byte[total];
        var offset = 0;
        foreach (var part in parts)
        {
            part.AsSpan().CopyTo(bytes.AsSpan(offset));
            offset += (int)part.Length;
        }
        Written.Add(bytes);
        return true;
    }

    public void Dispose() { }
}

/// <summary>An offload UDP transport that records what each SendSegments call would put on the wire.</summary>
internal sealed class RecordingOffloadUdp : IUdpTransport
{
    public readonly List<(byte[][] Datagrams, int SegmentSize, UdpSource To)> Sends = new();
    public bool Record { get; set; } = true;
    public long Calls;
    public IPEndPoint LocalEndPoint { get; } = new(IPAddress.Parse("192.0.2.1"), 8285);
    public bool SegmentationEnabled => true;
    public bool GroEnabled => true;
    public event Action<string>? SegmentationDisabled { add { } remove { } }
    public bool EnableGro() => true;
    public int ReceiveBatches(Span<byte> buffer, int slotSize, Span<ReceivedBatch> batches) => 0;

    public int SendSegments(ReadOnlySpan<IoVector> parts, int partsPerDatagram, int segmentSize, int count, SocketAddress destination)
    {
        Calls++;
        if (!Record)
            return count;
        var all = new List<byte>();
        foreach (var part in parts)
            all.AddRange(part.AsSpan().ToArray());
        var datagrams = all.Chunk(segmentSize).Select(c => c.ToArray()).ToArray();
        Assert.Equal(count, datagrams.Length);
        UdpSource.TryRead(destination, out var to);
        Sends.Add((datagrams, segmentSize, to));
        return count;
    }

    public void Dispose() { }
}
