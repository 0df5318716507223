namespace Overlay.Node.Udp;

/// <summary>
/// One entry of <see cref="IUdpTransport.ReceiveBatches"/>: <paramref name="Length"/> bytes at
/// <paramref name="Offset"/> of the caller's buffer, datagrams of <paramref name="SegmentSize"/> bytes
/// (the last may be shorter; equal to <paramref name="Length"/> for a single datagram), all from
/// <paramref name="Source"/>.
/// </summary>
public readonly record struct ReceivedBatch(int Offset, int Length, int SegmentSize, UdpSource Source);
