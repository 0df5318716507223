using System.Net;

namespace Overlay.Actors.Addressing;

/// <summary>
/// An IPv4 network in canonical form: the address has no host bits set. Unlike
/// <see cref="IPNetwork.Parse(string)"/>, parsing rejects "10.1.74.1/24" instead of silently
/// masking it, so a typo never turns into a different subnet.
/// </summary>
public readonly record struct Ipv4Subnet : IComparable<Ipv4Subnet>
{
    /// <summary>Creates a subnet; throws when <paramref name="network"/> has host bits set.</summary>
    public Ipv4Subnet(uint network, int prefixLength)
    {
        if (prefixLength is < 0 or > 32)
            throw new ArgumentOutOfRangeException(nameof(prefixLength), prefixLength, "prefix length must be 0..32");
        if ((network & ~MaskOf(prefixLength)) != 0)
            throw new ArgumentException($"{Ipv4.Format(network)}/{prefixLength} has host bits set", nameof(network));
        Network = network;
        PrefixLength = prefixLength;
    }

    /// <summary>The network address, host order.</summary>
    public uint Network { get; }

    /// <summary>The prefix length, 0..32.</summary>
    public int PrefixLength { get; }

    /// <summary>The netmask, host order.</summary>
    public uint Mask => MaskOf(PrefixLength);

    /// <summary>The number of addresses in the subnet.</summary>
    public ulong Size => 1UL << (32 - PrefixLength);

    /// <summary>The last address (broadcast), host order.</summary>
    public uint Last => Network | ~Mask;

    /// <summary>The network address as an <see cref="IPAddress"/>.</summary>
    public IPAddress NetworkAddress => Ipv4.ToAddress(Network);

    /// <summary>The first host address (network + 1): flannel's gateway address in FLANNEL_SUBNET.</summary>
    public IPAddress FirstHost => Ipv4.ToAddress(Network + 1);

    /// <summary>The subnet in flannel's key form, "10.244.1.0-24": safe in actor names and URLs.</summary>
    public string Key => $"{Ipv4.Format(Network)}-{PrefixLength}";

    /// <summary>True when <paramref name="address"/> (host order) lies in this subnet.</summary>
    public bool Contains(uint address) => (address & Mask) == Network;

    /// <summary>True when <paramref name="address"/> lies in this subnet; false for non-IPv4.</summary>
    public bool Contains(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && Contains(Ipv4.ToUInt32(address));

    /// <summary>True when every address of <paramref name="other"/> lies in this subnet.</summary>
    public bool Contains(Ipv4Subnet other) => other.PrefixLength >= PrefixLength && Contains(other.Network);

    /// <summary>True when the two subnets share at least one address.</summary>
    public bool Overlaps(Ipv4Subnet other) => Contains(other.Network) || other.Contains(Network);

    /// <summary>CIDR text, "10.244.1.0/24".</summary>
    public override string ToString() => $"{Ipv4.Format(Network)}/{PrefixLength}";

    /// <inheritdoc />
    public int CompareTo(Ipv4Subnet other)
    {
        var byNetwork = Network.CompareTo(other.Network);
        return byNetwork != 0 ? byNetwork : PrefixLength.CompareTo(other.PrefixLength);
    }

    /// <summary>The netmask of a prefix length, host order.</summary>
    public static uint MaskOf(int prefixLength) => prefixLength == 0 ? 0u : uint.MaxValue << (32 - prefixLength);

    /// <summary>Parses "a.b.c.d/n" (or the key form "a.b.c.d-n"); rejects host bits, IPv6 and junk.</summary>
    public static bool TryParse(string? text, out Ipv4Subnet subnet)
    {
        subnet = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        text = text.Trim();
        var slash = text.LastIndexOfAny(['/', '-']);
        if (slash <= 0 || slash == text.Length - 1)
            return false;
        if (!Ipv4.TryParse(text[..slash], out var network))
            return false;
        if (!int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var prefix) || prefix > 32)
            return false;
        if ((network & ~MaskOf(prefix)) != 0)
            return false;
        subnet = new Ipv4Subnet(network, prefix);
        return true;
    }

    /// <summary>Parses like <see cref="TryParse"/>; throws <see cref="FormatException"/> naming the text.</summary>
    public static Ipv4Subnet Parse(string text) =>
        TryParse(text, out var subnet)
            ? subnet
            : throw new FormatException($"not a canonical IPv4 CIDR (a.b.c.d/n with no host bits): '{text}'");
}
