using System.Net;
using Overlay.Node.Tun;

namespace Overlay.Node.Udp;

/// <summary>
/// A UDP transport that can receive a GRO batch of datagrams in one call (UDP_GRO). On the wire nothing changes: every datagram is still
/// one inner packet. Thread-safety as <see cref="IUdpTransport"/>: one sender, one receiver.
/// </summary>
public interface IOffloadUdpTransport : IUdpTransport
{
    /// <summary>True when the socket coalesces received datagrams (UDP_GRO was accepted).</summary>
    bool GroEnabled { get; }

    /// <summary>Turns on UDP_GRO for receives; returns false (and stays without) when the kernel refuses.</summary>
    bool EnableGro();

    /// <summary>
    /// Blocks until datagrams arrive; copies them (one, or a GRO batch from one source) into
    /// <paramref name="buffer"/> (pinned, at least 64 KiB), returning their total
    /// <paramref name="length"/> and <paramref name="segmentSize"/> (every datagram is that long but the
    /// last, which may be shorter; equal to <paramref name="length"/> for a single datagram). Returns
    /// false once disposed; transient errors are skipped; throws when the socket fails.
    /// </summary>
    bool TryReceiveBatch(Span<byte> buffer, out int length, out int segmentSize, out UdpSource source);

    /// <summary>
    /// Blocks until datagrams arrive, then takes as many receive batches as are queued, up to
    /// <paramref name="batches"/>.Length, one per <paramref name="slotSize"/>-byte slot of
    /// <paramref name="buffer"/> (pinned; slots of at least 64 KiB): recvmmsg where the kernel has it.
    /// Returns how many entries of <paramref name="batches"/> were filled, 0 once disposed; transient
    /// errors are skipped; throws when the socket fails. The default takes one batch per call.
    /// </summary>
    int ReceiveBatches(Span<byte> buffer, int slotSize, Span<ReceivedBatch> batches)
    {
        if (batches.IsEmpty || !TryReceiveBatch(buffer[..slotSize], out var length, out var segmentSize, out var source))
            return 0;
        batches[0] = new ReceivedBatch(0, length, segmentSize, source);
        return 1;
    }
}
