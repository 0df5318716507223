using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Overlay.Actors.Addressing;

/// <summary>
/// Conversions between <see cref="IPAddress"/> and the host-order <see cref="uint"/> form that
/// subnet arithmetic and the data path's table index use.
/// </summary>
public static class Ipv4
{
    /// <summary>The address as a host-order integer; throws for anything but IPv4.</summary>
    public static uint ToUInt32(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"not an IPv4 address: {address}", nameof(address));
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    /// <summary>A host-order integer as an address.</summary>
    public static IPAddress ToAddress(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    /// <summary>Dotted-quad text of a host-order integer.</summary>
    public static string Format(uint value) =>
        $"{value >> 24}.{(value >> 16) & 0xFF}.{(value >> 8) & 0xFF}.{value & 0xFF}";

    /// <summary>Parses dotted-quad IPv4 text; false for IPv6 or anything malformed.</summary>
    public static bool TryParse(string? text, out uint value)
    {
        value = 0;
        if (string.IsNullOrWhiteSpace(text) || !IPAddress.TryParse(text.Trim(), out var address)
            || address.AddressFamily != AddressFamily.InterNetwork || text.Count(c => c == '.') != 3)
            return false;
        value = ToUInt32(address);
        return true;
    }
}
