using System.Buffers.Binary;

namespace Overlay.EndToEnd.Tests.Capture;

/// <summary>
/// A classic libpcap capture file as tcpdump -w writes it (not pcapng): the link type and every
/// frame in order. Both byte orders and both timestamp resolutions are accepted.
/// </summary>
public sealed record PcapFile(uint LinkType, IReadOnlyList<CapturedFrame> Frames)
{
    /// <summary>LINKTYPE_ETHERNET: what a veth gives.</summary>
    public const uint LinkTypeEthernet = 1;

    /// <summary>LINKTYPE_RAW: bare IP packets.</summary>
    public const uint LinkTypeRaw = 101;

    /// <summary>LINKTYPE_LINUX_SLL: tcpdump -i any.</summary>
    public const uint LinkTypeLinuxSll = 113;

    private const uint MagicMicroseconds = 0xA1B2C3D4;
    private const uint MagicNanoseconds = 0xA1B23C4D;
    private const int GlobalHeaderLength = 24;
    private const int RecordHeaderLength = 16;
    private const int EthernetHeaderLength = 14;
    private const int LinuxSllHeaderLength = 16;
    private const ushort EtherTypeIpv4 = 0x0800;

    /// <summary>Parses a whole capture; errors name the offset and the bad value.</summary>
    public static PcapFile Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < GlobalHeaderLength)
        {
            throw new FormatException($"pcap file is {data.Length} bytes, shorter than its {GlobalHeaderLength}-byte header");
        }

        uint magicLittle = BinaryPrimitives.ReadUInt32LittleEndian(data);
        uint magicBig = BinaryPrimitives.ReadUInt32BigEndian(data);
        bool little = magicLittle is MagicMicroseconds or MagicNanoseconds;
        if (!little && magicBig is not (MagicMicroseconds or MagicNanoseconds))
        {
            throw new FormatException($"not a classic pcap file (pcapng?): magic 0x{magicLittle:X8}");
        }

        bool nanoseconds = (little ? magicLittle : magicBig) == MagicNanoseconds;
        uint Read32(ReadOnlySpan<byte> s) => little ? BinaryPrimitives.ReadUInt32LittleEndian(s) : BinaryPrimitives.ReadUInt32BigEndian(s);

        uint linkType = Read32(data[20..]) & 0x0FFFFFFF;
        var frames = new List<CapturedFrame>();
        int offset = GlobalHeaderLength;
        while (offset < data.Length)
        {
            if (data.Length - offset < RecordHeaderLength)
            {
                throw new FormatException($"pcap record header at offset {offset} is cut short ({data.Length - offset} bytes)");
            }

            uint seconds = Read32(data[offset..]);
            uint fraction = Read32(data[(offset + 4)..]);
            int captured = checked((int)Read32(data[(offset + 8)..]));
            int original = checked((int)Read32(data[(offset + 12)..]));
            offset += RecordHeaderLength;
            if (captured > data.Length - offset)
            {
                throw new FormatException($"pcap record at offset {offset} claims {captured} bytes, {data.Length - offset} remain");
            }

            var timestamp = DateTimeOffset.FromUnixTimeSeconds(seconds)
                .AddTicks(nanoseconds ? fraction / 100 : fraction * 10L);
            frames.Add(new CapturedFrame(timestamp, original, data.Slice(offset, captured).ToArray()));
            offset += captured;
        }

        return new PcapFile(linkType, frames);
    }

    /// <summary>Reads and parses <paramref name="path"/>.</summary>
    public static PcapFile Read(string path) => Parse(File.ReadAllBytes(path));

    /// <summary>The IPv4 packet inside <paramref name="frame"/>, or empty when the frame carries none.</summary>
    public ReadOnlyMemory<byte> Ipv4PacketOf(CapturedFrame frame)
    {
        var bytes = frame.Data;
        switch (LinkType)
        {
            case LinkTypeEthernet when bytes.Length >= EthernetHeaderLength
                && BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(12)) == EtherTypeIpv4:
                return bytes.AsMemory(EthernetHeaderLength);
            case LinkTypeLinuxSll when bytes.Length >= LinuxSllHeaderLength
                && BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(14)) == EtherTypeIpv4:
                return bytes.AsMemory(LinuxSllHeaderLength);
            case LinkTypeRaw when bytes.Length > 0 && bytes[0] >> 4 == 4:
                return bytes;
            default:
                return ReadOnlyMemory<byte>.Empty;
        }
    }
}
