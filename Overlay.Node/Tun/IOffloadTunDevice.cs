namespace Overlay.Node.Tun;

/// <summary>
/// A TUN device that can do gathered writes and may have been opened with IFF_VNET_HDR and offloads
/// (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN). When <see cref="OffloadsEnabled"/> is true,
/// <see cref="ITunDevice.Read"/> may return super-packets (their virtio_net_hdr as its offload
/// information) and <see cref="WriteGather"/> writes start with a virtio_net_hdr.
/// Thread-safety as <see cref="ITunDevice"/>.
/// </summary>
public interface IOffloadTunDevice : ITunDevice
{
    /// <summary>True when the device was opened with IFF_VNET_HDR and the kernel accepted
    /// TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN: reads and writes carry a virtio_net_hdr. False: bare packets.</summary>
    bool OffloadsEnabled { get; }

    /// <summary>True when the kernel also accepted TUN_F_USO4 | TUN_F_USO6 (Linux &gt;= 6.2): reads may carry
    /// GSO_UDP_L4 super-packets and writes may too. False (the default): UDP moves one datagram at a time.</summary>
    bool UdpOffloadsEnabled => false;

    /// <summary>
    /// Writes the concatenation of <paramref name="parts"/> (virtio_net_hdr first) as one packet, with
    /// one writev(2). Returns false when the device is disposed or the kernel refused this packet;
    /// throws <see cref="IOException"/> when the device fails. The parts' memory must be pinned.
    /// </summary>
    bool WriteGather(ReadOnlySpan<IoVector> parts);
}
