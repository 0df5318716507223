using System.Net;

namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A flannel subnet.env as the node writes it (FLANNEL_NETWORK, FLANNEL_SUBNET = gateway/len,
/// FLANNEL_MTU, FLANNEL_IPMASQ). The gateway is kept apart from the subnet because
/// IPNetwork.Parse("10.244.1.1/24") silently drops the host part.
/// </summary>
public sealed record SubnetEnv(string Network, IPAddress Gateway, int PrefixLength, int Mtu, bool IpMasq)
{
    /// <summary>The subnet in CIDR form, e.g. 10.244.1.0/24.</summary>
    public string Subnet => $"{TunAddress}/{PrefixLength}";

    /// <summary>The pod's address as lab/topology.sh assigns it: the one after the gateway.</summary>
    public IPAddress PodAddress
    {
        get
        {
            byte[] bytes = Gateway.GetAddressBytes();
            bytes[3]++;
            return new IPAddress(bytes);
        }
    }

    /// <summary>The host's TUN address: the subnet's .0/32 (overlay-node contract).</summary>
    public IPAddress TunAddress
    {
        get
        {
            uint address = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Gateway.GetAddressBytes());
            uint mask = PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);
            byte[] bytes = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, address & mask);
            return new IPAddress(bytes);
        }
    }

    /// <summary>Parses subnet.env text; errors name the file, the key and the value.</summary>
    public static SubnetEnv Parse(string text, string source)
    {
        var values = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith('#') && line.Contains('='))
            .Select(line => line.Split('=', 2))
            .ToDictionary(parts => parts[0], parts => parts[1]);

        string Get(string key) => values.TryGetValue(key, out var value)
            ? value
            : throw new FormatException($"{source} has no {key}");

        string subnet = Get("FLANNEL_SUBNET");
        string[] parts = subnet.Split('/');
        if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var gateway) || !int.TryParse(parts[1], out int length))
        {
            throw new FormatException($"{source}: FLANNEL_SUBNET is not address/length: {subnet}");
        }

        string mtu = Get("FLANNEL_MTU");
        return new SubnetEnv(
            Get("FLANNEL_NETWORK"),
            gateway,
            length,
            int.TryParse(mtu, out int m) ? m : throw new FormatException($"{source}: FLANNEL_MTU is not a number: {mtu}"),
            bool.TryParse(Get("FLANNEL_IPMASQ"), out bool masq) && masq);
    }

    /// <summary>Reads and parses <paramref name="path"/>.</summary>
    public static SubnetEnv Read(string path) => Parse(File.ReadAllText(path), path);
}
