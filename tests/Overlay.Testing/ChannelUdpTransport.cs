using System.Collections.Concurrent;
using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Node.Udp;
using Overlay.Node.Tun;

namespace Overlay.Testing;

/// <summary>
/// An in-memory <see cref="IUdpTransport"/> attached to a <see cref="ChannelUdpNetwork"/>. Its
/// datagrams carry <see cref="LocalEndPoint"/> as their source. Thread-safe; receiving blocks until a
/// datagram or Dispose. Copies each datagram (allocates; fine for a fake).
/// </summary>
public sealed class ChannelUdpTransport : IUdpTransport
{
    private readonly ChannelUdpNetwork _network;
    private readonly BlockingCollection<(byte[] Datagram, UdpSource Source)> _inbox = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly UdpSource _self;
    private long _sent;

    internal ChannelUdpTransport(ChannelUdpNetwork network, IPEndPoint local)
    {
        _network = network;
        LocalEndPoint = local;
        _self = new UdpSource(Ipv4.ToUInt32(local.Address), local.Port);
    }

    /// <inheritdoc />
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => _disposed.IsCancellationRequested;

    /// <summary>How many datagrams this transport sent.</summary>
    public long SentCount => Interlocked.Read(ref _sent);

    /// <summary>When true, <see cref="Send"/> fails every datagram, as a socket hitting ENOBUFS would.</summary>
    public bool FailSends { get; set; }

    /// <summary>True: a batch is delivered datagram by datagram either way, as the wire would carry it.</summary>
    public bool SegmentationEnabled => true;

    /// <inheritdoc />
    public event Action<string>? SegmentationDisabled { add { } remove { } }

    /// <inheritdoc />
    public int SendSegments(ReadOnlySpan<IoVector> parts, int partsPerDatagram, int segmentSize, int count, SocketAddress destination)
    {
        var bytes = new List<byte>();
        foreach (var part in parts)
            bytes.AddRange(part.AsSpan().ToArray());
        var all = bytes.ToArray();
        var sent = 0;
        for (var i = 0; i < count && i * segmentSize <= all.Length; i++)
        {
            if (Send(all.AsSpan(i * segmentSize, Math.Min(segmentSize, all.Length - i * segmentSize)), destination))
                sent++;
        }
        return sent;
    }

    /// <summary>Sends one datagram (a peer's side in tests); false when disposed or <see cref="FailSends"/>.</summary>
    public bool Send(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        if (IsDisposed || FailSends || !UdpSource.TryRead(destination, out var to))
            return false;
        Interlocked.Increment(ref _sent);
        _network.Deliver(_self, to, datagram);
        return true;
    }

    /// <inheritdoc />
    public bool GroEnabled => false;

    /// <inheritdoc />
    public bool EnableGro() => false;

    /// <inheritdoc />
    public int ReceiveBatches(Span<byte> buffer, int slotSize, Span<ReceivedBatch> batches)
    {
        var slots = Math.Min(batches.Length, buffer.Length / slotSize);
        if (slots <= 0 || !TryReceive(buffer[..slotSize], out var length, out var source))
            return 0;
        batches[0] = new ReceivedBatch(0, length, length, source);
        var filled = 1;
        // Then whatever is already queued, as recvmmsg with MSG_WAITFORONE takes it.
        while (filled < slots && _inbox.TryTake(out var next))
        {
            var (datagram, from) = next;
            var taken = Math.Min(datagram.Length, slotSize);
            datagram.AsSpan(0, taken).CopyTo(buffer[(filled * slotSize)..]);
            batches[filled] = new ReceivedBatch(filled * slotSize, taken, taken, from);
            filled++;
        }
        return filled;
    }

    /// <summary>Blocks until a datagram arrives and copies it into <paramref name="buffer"/>; false once disposed.</summary>
    public bool TryReceive(Span<byte> buffer, out int length, out UdpSource source)
    {
        try
        {
            var (datagram, from) = _inbox.Take(_disposed.Token);
            length = Math.Min(datagram.Length, buffer.Length);
            datagram.AsSpan(0, length).CopyTo(buffer);
            source = from;
            return true;
        }
        catch (OperationCanceledException)
        {
            length = 0;
            source = default;
            return false;
        }
    }

    /// <summary>For tests acting as a peer: takes the next datagram, waiting up to <paramref name="timeout"/>.</summary>
    public bool TryTake(out byte[] datagram, out UdpSource source, TimeSpan timeout)
    {
        if (_inbox.TryTake(out var item, timeout))
        {
            (datagram, source) = item;
            return true;
        }
        datagram = [];
        source = default;
        return false;
    }

    /// <summary>How many datagrams are waiting to be received.</summary>
    public int Pending => _inbox.Count;

    internal bool Enqueue(byte[] datagram, UdpSource source)
    {
        if (IsDisposed)
            return false;
        _inbox.Add((datagram, source));
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed.IsCancellationRequested)
            return;
        _disposed.Cancel();
        _network.Unbind(this);
    }
}
