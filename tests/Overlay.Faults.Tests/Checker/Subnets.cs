using System.Buffers.Binary;
using System.Net;

namespace Overlay.Faults.Tests.Checker;

/// <summary>IPv4 arithmetic the checks need: the subnet an address or a gateway/length lies in.</summary>
public static class Subnets
{
    /// <summary>The subnet of <paramref name="cidr"/>'s address with prefix <paramref name="length"/>
    /// (e.g. "10.244.1.0/32", 24 -> "10.244.1.0/24"); null when it is not IPv4 CIDR.</summary>
    public static string? Of(string? cidr, int length)
    {
        if (cidr is null)
        {
            return null;
        }

        string address = cidr.Split('/')[0];
        if (!IPAddress.TryParse(address, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return null;
        }

        uint value = BinaryPrimitives.ReadUInt32BigEndian(ip.GetAddressBytes());
        uint mask = length == 0 ? 0 : uint.MaxValue << (32 - length);
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value & mask);
        return $"{new IPAddress(bytes)}/{length}";
    }

    /// <summary>The subnet a gateway/length (subnet.env's FLANNEL_SUBNET) names.</summary>
    public static string? OfGateway(string? gatewayCidr)
    {
        if (gatewayCidr is null)
        {
            return null;
        }

        string[] parts = gatewayCidr.Split('/');
        return parts.Length == 2 && int.TryParse(parts[1], out int length) ? Of(parts[0], length) : null;
    }
}
