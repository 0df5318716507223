using System.Net;
using System.Runtime.Serialization;
using System.Text;
using System.Text.Json;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;

namespace Overlay.Actors.Serialization;

/// <summary>
/// The binary encoding of <see cref="PackedRegistrySnapshot"/> (manifest "S-RB"), little-endian
/// through <see cref="BinaryWriter"/>:
/// <code>
/// byte   format (1)
/// long   Version
/// string Network as JSON (the "E-NC" config encoding), "" when null
/// int    lease count, then per lease:
///        uint subnet network, byte prefix, string NodeName, byte n + n bytes PublicIp,
///        int Port, long ExpiresAt.Ticks, short ExpiresAt offset minutes, long Version, string MemberAddress
/// int    freed count, then per freed subnet: uint network, byte prefix, long FreedAtVersion
/// </code>
/// Strings are BinaryWriter's length-prefixed UTF-8. The format byte is part of the contract: a
/// changed layout gets a new format number (readers reject unknown ones) or a new manifest.
/// Stateless and thread-safe.
/// </summary>
public static class RegistrySnapshotCodec
{
    /// <summary>The only layout written and read so far.</summary>
    public const byte Format1 = 1;

    /// <summary>Encodes <paramref name="packed"/>; <paramref name="jsonOptions"/> encode the network config.</summary>
    public static byte[] Write(PackedRegistrySnapshot packed, JsonSerializerOptions jsonOptions)
    {
        var s = packed.Snapshot;
        var leases = s.Leases ?? [];
        var freed = s.Freed ?? [];
        using var stream = new MemoryStream(64 + leases.Count * 96);
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Format1);
            w.Write(s.Version);
            w.Write(s.Network is null ? "" : JsonSerializer.Serialize(s.Network, jsonOptions));
            w.Write(leases.Count);
            Span<byte> address = stackalloc byte[16];
            foreach (var lease in leases)
                WriteLease(w, lease, address);
            w.Write(freed.Count);
            foreach (var f in freed)
            {
                w.Write(f.Subnet.Network);
                w.Write((byte)f.Subnet.PrefixLength);
                w.Write(f.FreedAtVersion);
            }
        }
        return stream.ToArray();
    }

    /// <summary>Decodes what <see cref="Write"/> wrote; throws <see cref="SerializationException"/>
    /// naming the problem on a truncated or malformed payload or an unknown format.</summary>
    public static PackedRegistrySnapshot Read(byte[] bytes, JsonSerializerOptions jsonOptions)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
            var format = r.ReadByte();
            if (format != Format1)
                throw new SerializationException($"RegistrySnapshotCodec: unknown snapshot format {format}");
            var version = r.ReadInt64();
            var networkJson = r.ReadString();
            var network = networkJson.Length == 0 ? null : JsonSerializer.Deserialize<NetworkConfig>(networkJson, jsonOptions);
            var leases = new Lease[Count(r.ReadInt32(), bytes.Length, "lease")];
            for (var i = 0; i < leases.Length; i++)
                leases[i] = ReadLease(r);
            var freed = new FreedSubnet[Count(r.ReadInt32(), bytes.Length, "freed subnet")];
            for (var i = 0; i < freed.Length; i++)
                freed[i] = new FreedSubnet(new Ipv4Subnet(r.ReadUInt32(), r.ReadByte()), r.ReadInt64());
            if (r.BaseStream.Position != bytes.Length)
                throw new SerializationException(
                    $"RegistrySnapshotCodec: {bytes.Length - r.BaseStream.Position} trailing bytes after the snapshot");
            return new PackedRegistrySnapshot(new RegistrySnapshot(version, network, leases, freed));
        }
        catch (Exception ex) when (ex is EndOfStreamException or ArgumentException or JsonException or FormatException)
        {
            throw new SerializationException($"RegistrySnapshotCodec: bad snapshot payload ({bytes.Length} bytes): {ex.Message}", ex);
        }
    }

    /// <summary>Writes one lease in the layout above (shared with <see cref="LeaseSnapshotPieceCodec"/>);
    /// <paramref name="scratch"/> holds at least 16 bytes.</summary>
    internal static void WriteLease(BinaryWriter w, Lease lease, Span<byte> scratch)
    {
        w.Write(lease.Subnet.Network);
        w.Write((byte)lease.Subnet.PrefixLength);
        w.Write(lease.NodeName ?? "");
        if (!lease.PublicIp.TryWriteBytes(scratch, out var length))
            throw new SerializationException($"RegistrySnapshotCodec: cannot encode public IP {lease.PublicIp} of {lease.Subnet}");
        w.Write((byte)length);
        w.Write(scratch[..length]);
        w.Write(lease.Port);
        w.Write(lease.ExpiresAt.Ticks);
        w.Write((short)lease.ExpiresAt.TotalOffsetMinutes);
        w.Write(lease.Version);
        w.Write(lease.MemberAddress ?? "");
    }

    /// <summary>Reads one lease written by <see cref="WriteLease"/>.</summary>
    internal static Lease ReadLease(BinaryReader r)
    {
        var subnet = new Ipv4Subnet(r.ReadUInt32(), r.ReadByte());
        var nodeName = r.ReadString();
        var address = new IPAddress(r.ReadBytes(r.ReadByte()));
        var port = r.ReadInt32();
        var ticks = r.ReadInt64();
        var offset = TimeSpan.FromMinutes(r.ReadInt16());
        return new Lease(subnet, nodeName, address, port, new DateTimeOffset(ticks, offset), r.ReadInt64(), r.ReadString());
    }

    /// <summary>Exactly how many bytes <see cref="WriteLease"/> writes for <paramref name="lease"/>.</summary>
    public static int EncodedSize(Lease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var addressBytes = lease.PublicIp.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 16 : 4;
        return 4 + 1 + StringSize(lease.NodeName) + 1 + addressBytes + 4 + 8 + 2 + 8 + StringSize(lease.MemberAddress);
    }

    /// <summary>BinaryWriter's string: a 7-bit encoded UTF-8 length, then the bytes.</summary>
    internal static int StringSize(string? value)
    {
        var bytes = Encoding.UTF8.GetByteCount(value ?? "");
        var prefix = 1;
        for (var n = bytes >> 7; n != 0; n >>= 7)
            prefix++;
        return prefix + bytes;
    }

    // Every entry takes at least one byte: a count beyond the payload length is corrupt, and
    // rejecting it up front avoids allocating an array for it.
    internal static int Count(int count, int payloadBytes, string what) =>
        count < 0 || count > payloadBytes
            ? throw new SerializationException($"RegistrySnapshotCodec: bad {what} count {count} in {payloadBytes} bytes")
            : count;
}
