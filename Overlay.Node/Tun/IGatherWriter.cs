namespace Overlay.Node.Tun;

/// <summary>
/// Where <see cref="CoalescingTunWriter"/> puts its writes: a TUN opened with IFF_VNET_HDR
/// (<see cref="LinuxTunDevice"/>), or a recording fake in tests.
/// </summary>
public interface IGatherWriter
{
    /// <summary>The device name, for the log line when coalescing is turned off.</summary>
    string Name { get; }

    /// <summary>
    /// Writes the concatenation of <paramref name="parts"/> (virtio_net_hdr first) as one packet, with
    /// one writev(2). Returns false when the device is disposed or the kernel refused this packet;
    /// throws <see cref="IOException"/> when the device fails. The parts' memory must be pinned.
    /// </summary>
    bool WriteGather(ReadOnlySpan<IoVector> parts);
}
