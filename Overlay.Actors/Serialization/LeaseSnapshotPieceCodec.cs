using System.Runtime.Serialization;
using System.Text;
using System.Text.Json;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;

namespace Overlay.Actors.Serialization;

/// <summary>
/// The binary encoding of <see cref="LeaseSnapshotPiece"/> (manifest "SP"), little-endian through
/// <see cref="BinaryWriter"/>:
/// <code>
/// byte   format (1)
/// long   Version
/// int    Index
/// int    Count
/// int    TotalLeases
/// string Network as JSON (the "E-NC" config encoding), "" when null
/// int    lease count, then per lease the layout of <see cref="RegistrySnapshotCodec"/>
/// </code>
/// JSON would take about four times the bytes (and a piece would hold a quarter of the leases).
/// The format byte is part of the contract: a changed layout gets a new format number or manifest.
/// Stateless and thread-safe.
/// </summary>
public static class LeaseSnapshotPieceCodec
{
    /// <summary>The only layout written and read so far.</summary>
    public const byte Format1 = 1;

    /// <summary>Bytes of the header before the network config: format, version, index, count, total.</summary>
    public const int FixedHeaderBytes = 1 + 8 + 4 + 4 + 4;

    /// <summary>Encodes <paramref name="piece"/>; <paramref name="jsonOptions"/> encode the network config.</summary>
    public static byte[] Write(LeaseSnapshotPiece piece, JsonSerializerOptions jsonOptions)
    {
        ArgumentNullException.ThrowIfNull(piece);
        var leases = piece.Leases ?? [];
        using var stream = new MemoryStream(256 + leases.Count * 64);
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Format1);
            w.Write(piece.Version);
            w.Write(piece.Index);
            w.Write(piece.Count);
            w.Write(piece.TotalLeases);
            w.Write(piece.Network is null ? "" : JsonSerializer.Serialize(piece.Network, jsonOptions));
            w.Write(leases.Count);
            Span<byte> scratch = stackalloc byte[16];
            foreach (var lease in leases)
                RegistrySnapshotCodec.WriteLease(w, lease, scratch);
        }
        return stream.ToArray();
    }

    /// <summary>Decodes what <see cref="Write"/> wrote; throws <see cref="SerializationException"/>
    /// naming the problem on a truncated or malformed payload or an unknown format.</summary>
    public static LeaseSnapshotPiece Read(byte[] bytes, JsonSerializerOptions jsonOptions)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
            var format = r.ReadByte();
            if (format != Format1)
                throw new SerializationException($"LeaseSnapshotPieceCodec: unknown piece format {format}");
            var version = r.ReadInt64();
            var index = r.ReadInt32();
            var count = r.ReadInt32();
            var total = r.ReadInt32();
            var networkJson = r.ReadString();
            var network = networkJson.Length == 0 ? null : JsonSerializer.Deserialize<NetworkConfig>(networkJson, jsonOptions);
            var n = r.ReadInt32();
            if (n < 0 || n > bytes.Length)
                throw new SerializationException($"LeaseSnapshotPieceCodec: bad lease count {n} in {bytes.Length} bytes");
            var leases = new Lease[n];
            for (var i = 0; i < leases.Length; i++)
                leases[i] = RegistrySnapshotCodec.ReadLease(r);
            if (r.BaseStream.Position != bytes.Length)
                throw new SerializationException(
                    $"LeaseSnapshotPieceCodec: {bytes.Length - r.BaseStream.Position} trailing bytes after the piece");
            return new LeaseSnapshotPiece(version, index, count, total, network, leases);
        }
        catch (Exception ex) when (ex is EndOfStreamException or ArgumentException or JsonException or FormatException)
        {
            throw new SerializationException($"LeaseSnapshotPieceCodec: bad piece payload ({bytes.Length} bytes): {ex.Message}", ex);
        }
    }
}
