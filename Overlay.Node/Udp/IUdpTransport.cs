using System.Net;
using Overlay.Node.Tun;

namespace Overlay.Node.Udp;

/// <summary>
/// A bound IPv4 UDP socket carrying one inner packet per datagram; it sends batches to one peer. Thread-safety: one sending thread
/// and one receiving thread may use it concurrently; Dispose may be called from any thread and wakes
/// a blocked receiver, which then returns 0. Sends after Dispose send nothing.
/// </summary>
public interface IUdpTransport : IDisposable
{
    /// <summary>The bound address and port (the real port when bound to port 0).</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>True while sends of several datagrams may carry UDP_SEGMENT (one syscall for them all);
    /// false for a transport without segmentation, or after a send hit EIO (the egress device cannot checksum).</summary>
    bool SegmentationEnabled { get; }

    /// <summary>
    /// Sends a batch of datagrams to one peer: the datagrams made of <paramref name="parts"/> (pinned
    /// memory, concatenated) cut every <paramref name="segmentSize"/> bytes, sent to
    /// <paramref name="destination"/> (an IPv4 socket address, prebuilt once per peer so sending allocates
    /// nothing): <paramref name="count"/> datagrams, each but the last exactly <paramref name="segmentSize"/>
    /// bytes, each exactly <paramref name="partsPerDatagram"/> consecutive parts. With segmentation on and
    /// more than one datagram, one sendmsg with UDP_SEGMENT (count &lt;= 64, total &lt;= 65507 is the
    /// caller's duty); without, one send per datagram. Returns how many datagrams were sent; the rest
    /// could not be (EMSGSIZE, ENETUNREACH, ENOBUFS, disposed, ...) and the caller counts them. On EIO it
    /// turns segmentation off for good, raises <see cref="SegmentationDisabled"/> once, and resends them
    /// one by one. On the wire nothing depends on segmentation: every datagram is one inner packet.
    /// </summary>
    int SendSegments(ReadOnlySpan<IoVector> parts, int partsPerDatagram, int segmentSize, int count, SocketAddress destination);

    /// <summary>Raised once, on the sending thread, when segmentation is turned off after EIO; the
    /// argument says why (for one log line).</summary>
    event Action<string>? SegmentationDisabled;

    /// <summary>True when the socket coalesces received datagrams (UDP_GRO was accepted).</summary>
    bool GroEnabled { get; }

    /// <summary>Turns on UDP_GRO for receives; returns false (and stays without) when refused or not
    /// supported: batches then hold one datagram each.</summary>
    bool EnableGro();

    /// <summary>
    /// Receives a batch: blocks until datagrams arrive, then takes as many receive batches as are
    /// queued, up to <paramref name="batches"/>.Length, one per <paramref name="slotSize"/>-byte slot of
    /// <paramref name="buffer"/> (pinned; slots of at least 64 KiB so nothing is truncated): recvmmsg
    /// where the kernel has it. Each entry is one datagram, or with GRO a slice of datagrams from one
    /// source (<see cref="ReceivedBatch"/>). Returns how many entries were filled, 0 once disposed;
    /// transient per-datagram errors are skipped; throws <see cref="IOException"/> when the socket fails.
    /// </summary>
    int ReceiveBatches(Span<byte> buffer, int slotSize, Span<ReceivedBatch> batches);
}
