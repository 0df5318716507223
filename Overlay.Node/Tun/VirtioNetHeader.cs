using System.Buffers.Binary;

namespace Overlay.Node.Tun;

/// <summary>
/// struct virtio_net_hdr (linux/virtio_net.h), the 10-byte prefix of every read and write on an
/// IFF_VNET_HDR TUN: how the kernel segmented (GSO) and checksummed (NEEDS_CSUM) the packet that
/// follows. Fields are little-endian (the TUN default on little-endian hosts). A plain value.
/// </summary>
public readonly record struct VirtioNetHeader(byte Flags, byte GsoType, ushort HeaderLength, ushort GsoSize,
    ushort CsumStart, ushort CsumOffset)
{
    /// <summary>sizeof(struct virtio_net_hdr): the TUN default vnet header size.</summary>
    public const int Size = 10;

    /// <summary>VIRTIO_NET_HDR_F_NEEDS_CSUM: the L4 checksum from CsumStart is still to be done;
    /// the field at CsumStart + CsumOffset holds the pseudo-header sum.</summary>
    public const byte FlagNeedsCsum = 1;

    /// <summary>VIRTIO_NET_HDR_GSO_NONE: one packet.</summary>
    public const byte GsoNone = 0;

    /// <summary>VIRTIO_NET_HDR_GSO_TCPV4: a TCPv4 super-packet to cut into GsoSize payloads.</summary>
    public const byte GsoTcpV4 = 1;

    /// <summary>VIRTIO_NET_HDR_GSO_UDP_L4: a UDP super-packet to cut into GsoSize-byte datagram payloads, each
    /// with its own IP and UDP header (TUN_F_USO4/6).</summary>
    public const byte GsoUdpL4 = 5;

    /// <summary>VIRTIO_NET_HDR_GSO_ECN: flag bit on GsoType (never requested by us).</summary>
    public const byte GsoEcn = 0x80;

    /// <summary>Offset of the checksum field within a TCP header.</summary>
    public const ushort TcpCsumOffset = 16;

    /// <summary>Offset of the checksum field within a UDP header.</summary>
    public const ushort UdpCsumOffset = 6;

    /// <summary>The all-zero header: one complete packet, nothing left to do.</summary>
    public static VirtioNetHeader None => default;

    /// <summary>Reads the header from the first 10 bytes of <paramref name="source"/>.</summary>
    public static VirtioNetHeader Read(ReadOnlySpan<byte> source) => new(
        source[0], source[1],
        BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
        BinaryPrimitives.ReadUInt16LittleEndian(source[4..]),
        BinaryPrimitives.ReadUInt16LittleEndian(source[6..]),
        BinaryPrimitives.ReadUInt16LittleEndian(source[8..]));

    /// <summary>Writes the header into the first 10 bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        destination[0] = Flags;
        destination[1] = GsoType;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], GsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], CsumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], CsumOffset);
    }
}
