using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Overlay.Fuzz;

/// <summary>
/// Builds one fuzz datagram of a given <see cref="FuzzCategory"/> into a caller-owned buffer.
/// Deterministic for a given <see cref="Random"/> sequence, so a failing run can be replayed with
/// its --seed. Not thread-safe: one instance per sending loop.
/// </summary>
internal sealed class DatagramFactory
{
    private readonly Random _random;
    private readonly IPNetwork _targetSubnet;
    private readonly IPNetwork _spoofSubnet;

    /// <summary>Creates a factory; spoofed packets go from <paramref name="spoofSubnet"/> to
    /// <paramref name="targetSubnet"/>.</summary>
    public DatagramFactory(Random random, IPNetwork targetSubnet, IPNetwork spoofSubnet)
    {
        if (targetSubnet.BaseAddress.AddressFamily != AddressFamily.InterNetwork || targetSubnet.PrefixLength > 30)
        {
            throw new ArgumentException($"target subnet must be IPv4 with at least two host addresses: {targetSubnet}", nameof(targetSubnet));
        }

        if (spoofSubnet.BaseAddress.AddressFamily != AddressFamily.InterNetwork || spoofSubnet.PrefixLength > 30)
        {
            throw new ArgumentException($"spoof subnet must be IPv4 with at least two host addresses: {spoofSubnet}", nameof(spoofSubnet));
        }

        _random = random;
        _targetSubnet = targetSubnet;
        _spoofSubnet = spoofSubnet;
    }

    /// <summary>Writes one datagram of <paramref name="category"/> into <paramref name="buffer"/>
    /// (at least <see cref="FuzzConstants.MaxDatagramLength"/> bytes) and returns its length.</summary>
    public int Build(FuzzCategory category, Span<byte> buffer)
    {
        return category switch
        {
            FuzzCategory.Random => BuildRandom(buffer),
            FuzzCategory.Truncated => BuildTruncated(buffer),
            FuzzCategory.BadVersion => BuildBadVersion(buffer),
            FuzzCategory.BadIhl => BuildBadIhl(buffer),
            FuzzCategory.BadTotalLength => BuildBadTotalLength(buffer),
            FuzzCategory.Spoofed => BuildWellFormedEcho(buffer, RandomHost(_spoofSubnet), RandomHost(_targetSubnet)),
            _ => throw new ArgumentOutOfRangeException(nameof(category), category, "unknown fuzz category"),
        };
    }

    private int BuildRandom(Span<byte> buffer)
    {
        int length = _random.Next(0, FuzzConstants.MaxDatagramLength + 1);
        _random.NextBytes(buffer[..length]);
        return length;
    }

    private int BuildTruncated(Span<byte> buffer)
    {
        int full = BuildWellFormedEcho(buffer, RandomHost(_spoofSubnet), RandomHost(_targetSubnet));
        // Half the cuts fall inside the header, half inside the payload; never the full length.
        return _random.Next(2) == 0
            ? _random.Next(1, FuzzConstants.Ipv4HeaderLength)
            : _random.Next(FuzzConstants.Ipv4HeaderLength, full);
    }

    private int BuildBadVersion(Span<byte> buffer)
    {
        int length = BuildWellFormedEcho(buffer, RandomHost(_spoofSubnet), RandomHost(_targetSubnet));
        int version;
        do
        {
            version = _random.Next(16);
        }
        while (version == 4);
        buffer[0] = (byte)((version << 4) | (buffer[0] & 0x0F));
        FixHeaderChecksum(buffer);
        return length;
    }

    private int BuildBadIhl(Span<byte> buffer)
    {
        int length = BuildWellFormedEcho(buffer, RandomHost(_spoofSubnet), RandomHost(_targetSubnet));
        // Either below the minimum of 5 words, or a header longer than the whole packet: a short
        // packet (the bare 20-byte header) with IHL 6..15.
        if (_random.Next(2) == 0)
        {
            buffer[0] = (byte)(0x40 | _random.Next(0, 5));
        }
        else
        {
            length = FuzzConstants.Ipv4HeaderLength;
            BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], (ushort)length);
            buffer[0] = (byte)(0x40 | _random.Next(6, 16));
        }

        FixHeaderChecksum(buffer);
        return length;
    }

    private int BuildBadTotalLength(Span<byte> buffer)
    {
        int length = BuildWellFormedEcho(buffer, RandomHost(_spoofSubnet), RandomHost(_targetSubnet));
        ushort totalLength = _random.Next(2) == 0
            ? (ushort)_random.Next(0, FuzzConstants.Ipv4HeaderLength)          // shorter than the header
            : (ushort)_random.Next(length + 1, ushort.MaxValue + 1);          // longer than the datagram
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], totalLength);
        FixHeaderChecksum(buffer);
        return length;
    }

    /// <summary>A correct IPv4 ICMP echo request with valid checksums and a random payload.</summary>
    private int BuildWellFormedEcho(Span<byte> buffer, IPAddress source, IPAddress destination)
    {
        int maxPayload = FuzzConstants.MaxDatagramLength - FuzzConstants.Ipv4HeaderLength - FuzzConstants.IcmpEchoHeaderLength;
        int payload = _random.Next(0, maxPayload + 1);
        int length = FuzzConstants.Ipv4HeaderLength + FuzzConstants.IcmpEchoHeaderLength + payload;
        Span<byte> header = buffer[..FuzzConstants.Ipv4HeaderLength];
        header.Clear();
        header[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], (ushort)_random.Next(ushort.MaxValue + 1));
        header[8] = FuzzConstants.DefaultTtl;
        header[9] = FuzzConstants.IcmpProtocol;
        source.TryWriteBytes(header[12..16], out _);
        destination.TryWriteBytes(header[16..20], out _);
        FixHeaderChecksum(buffer);

        Span<byte> icmp = buffer[FuzzConstants.Ipv4HeaderLength..length];
        icmp[..FuzzConstants.IcmpEchoHeaderLength].Clear();
        icmp[0] = FuzzConstants.IcmpEchoRequest;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], (ushort)_random.Next(ushort.MaxValue + 1));
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], (ushort)_random.Next(ushort.MaxValue + 1));
        _random.NextBytes(icmp[FuzzConstants.IcmpEchoHeaderLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Compute(icmp));
        return length;
    }

    private static void FixHeaderChecksum(Span<byte> buffer)
    {
        int ihl = Math.Max(5, buffer[0] & 0x0F) * 4;
        Span<byte> header = buffer[..Math.Min(ihl, FuzzConstants.Ipv4HeaderLength)];
        header[10] = 0;
        header[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header));
    }

    private IPAddress RandomHost(IPNetwork subnet)
    {
        Span<byte> bytes = stackalloc byte[4];
        subnet.BaseAddress.TryWriteBytes(bytes, out _);
        uint baseAddress = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        uint size = 1u << (32 - subnet.PrefixLength);
        // Skip the network address and the broadcast address.
        uint host = baseAddress + (uint)_random.NextInt64(1, size - 1);
        BinaryPrimitives.WriteUInt32BigEndian(bytes, host);
        return new IPAddress(bytes);
    }
}
