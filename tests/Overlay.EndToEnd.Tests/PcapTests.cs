using System.Buffers.Binary;
using System.Net;
using Overlay.EndToEnd.Tests.Capture;

namespace Overlay.EndToEnd.Tests;

/// <summary>The capture parser the wire-format test relies on, against a hand-built file.</summary>
public sealed class PcapTests
{
    [Fact]
    public void ParsesAnEthernetFrameCarryingAnOverlayDatagram()
    {
        byte[] inner = new byte[84];
        inner[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(inner.AsSpan(2), 84);
        inner[9] = 1;
        new byte[] { 10, 244, 1, 2, 10, 244, 2, 2 }.CopyTo(inner, 12);

        byte[] outer = new byte[20 + 8 + inner.Length];
        outer[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(outer.AsSpan(2), (ushort)outer.Length);
        outer[6] = 0x40; // DF
        outer[9] = 17;
        new byte[] { 192, 0, 2, 11, 192, 0, 2, 12 }.CopyTo(outer, 12);
        BinaryPrimitives.WriteUInt16BigEndian(outer.AsSpan(20), 8285);
        BinaryPrimitives.WriteUInt16BigEndian(outer.AsSpan(22), 8285);
        BinaryPrimitives.WriteUInt16BigEndian(outer.AsSpan(24), (ushort)(8 + inner.Length));
        inner.CopyTo(outer, 28);

        byte[] frame = new byte[14 + outer.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        outer.CopyTo(frame, 14);

        var file = new List<byte>();
        void U32(uint v) { byte[] b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); file.AddRange(b); }
        void U16(ushort v) { byte[] b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); file.AddRange(b); }
        U32(0xA1B2C3D4); U16(2); U16(4); U32(0); U32(0); U32(262144); U32(1);
        U32(1_700_000_000); U32(250_000); U32((uint)frame.Length); U32((uint)frame.Length);
        file.AddRange(frame);

        var pcap = PcapFile.Parse(file.ToArray());

        Assert.Equal(PcapFile.LinkTypeEthernet, pcap.LinkType);
        var captured = Assert.Single(pcap.Frames);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddMilliseconds(250), captured.Timestamp);
        var datagram = UdpDatagram.TryParse(pcap.Ipv4PacketOf(captured).Span);
        Assert.NotNull(datagram);
        Assert.Equal(IPAddress.Parse("192.0.2.11"), datagram.Source);
        Assert.Equal(IPAddress.Parse("192.0.2.12"), datagram.Destination);
        Assert.Equal(112, datagram.IpTotalLength);
        Assert.Equal(8285, datagram.DestinationPort);
        Assert.Equal(92, datagram.UdpLength);
        Assert.Equal(inner, datagram.Payload);
    }

    [Fact]
    public void RejectsAFileThatIsNotClassicPcap()
    {
        var error = Assert.Throws<FormatException>(() => PcapFile.Parse(new byte[] { 0x0A, 0x0D, 0x0D, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }));
        Assert.Contains("not a classic pcap file", error.Message);
    }

    [Fact]
    public void RejectsARecordThatClaimsMoreBytesThanRemain()
    {
        byte[] file = new byte[24 + 16 + 4];
        BinaryPrimitives.WriteUInt32LittleEndian(file, 0xA1B2C3D4);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(24 + 8), 100);
        var error = Assert.Throws<FormatException>(() => PcapFile.Parse(file));
        Assert.Contains("claims 100 bytes, 4 remain", error.Message);
    }
}
