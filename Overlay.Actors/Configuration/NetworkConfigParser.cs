using System.Text;
using System.Text.Json;
using Overlay.Actors.Addressing;

namespace Overlay.Actors.Configuration;

/// <summary>
/// Turns flannel's net-conf.json into a validated <see cref="NetworkConfig"/>, with flannel's
/// defaults and rules (pkg/subnet/config.go), plus two rules flannel lacks: SubnetMin must not
/// exceed SubnetMax, and the backend must be one Overlay implements ("udp").
/// </summary>
/// <remarks>
/// Keys are matched case-insensitively, as Go's encoding/json does; when a key appears twice the
/// last one wins (also Go's behaviour). A JSON null counts as absent. Unknown keys are ignored.
/// Addresses must be written canonically ("10.244.0.0/16", no leading zeros, no host bits), so a
/// typo never silently becomes a different network. Every failure is a
/// <see cref="NetworkConfigException"/> whose one-line message names the key and the value.
/// Thread-safe: no state.
/// </remarks>
public static class NetworkConfigParser
{
    /// <summary>The embedded default for labs: 10.244.0.0/16 cut into /24s, SubnetMin 10.244.1.0,
    /// SubnetMax 10.244.255.0, backend udp on port 8285.</summary>
    public static NetworkConfig Default { get; } =
        Parse($$"""{"Network":"{{OverlayConstants.DefaultNetwork}}"}""");

    /// <summary>Parses and validates net-conf.json text; throws <see cref="NetworkConfigException"/>.</summary>
    public static NetworkConfig Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw Fail($"net-conf.json is not valid JSON: {OneLine(e.Message, OverlayConstants.MaxQuotedValueLength * 3)}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Fail($"net-conf.json must be a JSON object: {Describe(root)}");
            return FromObject(root);
        }
    }

    /// <summary>
    /// Checks a config that did not come from <see cref="Parse"/> (e.g. one received over the wire)
    /// against the same rules; throws <see cref="NetworkConfigException"/> naming the first broken one.
    /// </summary>
    public static void Validate(NetworkConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        CheckNetwork(config.Network);
        CheckSubnetLen(config.Network, config.SubnetLen);
        foreach (var (key, subnet) in new[] { ("SubnetMin", config.SubnetMin), ("SubnetMax", config.SubnetMax) })
        {
            if (subnet.PrefixLength != config.SubnetLen)
                throw Fail($"{key} prefix length must equal SubnetLen {config.SubnetLen}: {subnet}");
            CheckBound(key, config.Network, config.SubnetLen, subnet.Network);
        }
        CheckOrder(config.SubnetMin.Network, config.SubnetMax.Network);
        if (config.Backend is null || config.Backend.Type != OverlayConstants.UdpBackendType)
            throw Fail($"unknown backend type: {config.Backend?.Type}");
        CheckPort(config.Backend.Port, config.Backend.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static NetworkConfig FromObject(JsonElement root)
    {
        CheckAddressFamilies(root);

        var network = ParseNetwork(Find(root, "Network"));
        CheckNetwork(network);

        var subnetLen = ParseSubnetLen(Find(root, "SubnetLen"), network);
        CheckSubnetLen(network, subnetLen);

        var subnetSize = 1u << (32 - subnetLen);
        var min = ParseBound("SubnetMin", Find(root, "SubnetMin"), network.Network + subnetSize);
        var max = ParseBound("SubnetMax", Find(root, "SubnetMax"), network.Last - subnetSize + 1);
        CheckBound("SubnetMin", network, subnetLen, min);
        CheckBound("SubnetMax", network, subnetLen, max);
        CheckOrder(min, max);

        var backend = ParseBackend(Find(root, "Backend"));
        return new NetworkConfig(network, subnetLen, new Ipv4Subnet(min, subnetLen), new Ipv4Subnet(max, subnetLen), backend);
    }

    // flannel's IPv6 and dual-stack keys: the udp backend carries IPv4 only, so a config asking for
    // IPv6 is refused rather than silently running without it.
    private static void CheckAddressFamilies(JsonElement root)
    {
        if (Find(root, "EnableIPv4") is { } v4 && ReadBool("EnableIPv4", v4) == false)
            throw Fail("EnableIPv4 must be true, Overlay carries IPv4 only: false");
        if (Find(root, "EnableIPv6") is { } v6 && ReadBool("EnableIPv6", v6))
            throw Fail("EnableIPv6 is not supported by the udp backend: true");
    }

    private static bool ReadBool(string key, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Fail($"{key} must be true or false: {Describe(value)}"),
    };

    private static Ipv4Subnet ParseNetwork(JsonElement? value)
    {
        if (value is not { } element)
            throw Fail("Network is missing: please define a correct Network parameter, an IPv4 CIDR such as 10.244.0.0/16");
        if (element.ValueKind != JsonValueKind.String
            || element.GetString() is not { } text
            || !text.Contains('/')
            || !Ipv4Subnet.TryParse(text, out var subnet)
            || subnet.ToString() != text.Trim())
            throw Fail($"Network is not a canonical IPv4 CIDR: {Describe(element)}");
        return subnet;
    }

    private static void CheckNetwork(Ipv4Subnet network)
    {
        if (network.PrefixLength > OverlayConstants.MaxNetworkPrefix)
            throw Fail($"network is too small. Minimum useful network prefix is /{OverlayConstants.MaxNetworkPrefix}: {network}");
    }

    private static int ParseSubnetLen(JsonElement? value, Ipv4Subnet network)
    {
        if (value is not { } element)
            return network.PrefixLength <= OverlayConstants.LongestPrefixForDefaultSubnetLen
                ? OverlayConstants.DefaultSubnetLen
                : network.PrefixLength + OverlayConstants.MinSubnetBits;
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var subnetLen))
            throw Fail($"SubnetLen must be an integer: {Describe(element)}");
        return subnetLen;
    }

    private static void CheckSubnetLen(Ipv4Subnet network, int subnetLen)
    {
        if (subnetLen > OverlayConstants.MaxSubnetLen)
            throw Fail($"SubnetLen must be less than /{OverlayConstants.MaxSubnetLen + 1}: {subnetLen}");
        if (subnetLen < network.PrefixLength + OverlayConstants.MinSubnetBits)
            throw Fail($"network must be able to accommodate at least four subnets: Network {network}, SubnetLen {subnetLen}");
    }

    private static uint ParseBound(string key, JsonElement? value, uint defaultValue)
    {
        if (value is not { } element)
            return defaultValue;
        if (element.ValueKind != JsonValueKind.String
            || element.GetString() is not { } text
            || !Ipv4.TryParse(text, out var address)
            || Ipv4.Format(address) != text.Trim())
            throw Fail($"{key} is not an IPv4 address: {Describe(element)}");
        return address;
    }

    private static void CheckBound(string key, Ipv4Subnet network, int subnetLen, uint address)
    {
        if (!network.Contains(address))
            throw Fail($"{key} is not in the range of the Network: {Ipv4.Format(address)}");
        if ((address & ~Ipv4Subnet.MaskOf(subnetLen)) != 0)
            throw Fail($"{key} is not on a SubnetLen boundary: {Ipv4.Format(address)}");
    }

    private static void CheckOrder(uint min, uint max)
    {
        if (min > max)
            throw Fail($"SubnetMin {Ipv4.Format(min)} is greater than SubnetMax {Ipv4.Format(max)}");
    }

    private static BackendConfig ParseBackend(JsonElement? value)
    {
        var defaults = new BackendConfig(OverlayConstants.UdpBackendType, OverlayConstants.DefaultUdpPort);
        if (value is not { } backend)
            return defaults;
        if (backend.ValueKind != JsonValueKind.Object)
            throw Fail($"Backend must be a JSON object: {Describe(backend)}");

        // A Backend object without Type means udp: the only backend, and flannel's own default.
        if (Find(backend, "Type") is { } type
            && (type.ValueKind != JsonValueKind.String
                || !string.Equals(type.GetString()?.Trim(), OverlayConstants.UdpBackendType, StringComparison.OrdinalIgnoreCase)))
            throw Fail($"unknown backend type: {Describe(type)}");

        if (Find(backend, "Port") is not { } port)
            return defaults;
        if (port.ValueKind != JsonValueKind.Number || !port.TryGetInt32(out var number))
            throw Fail($"Backend.Port must be 1..{OverlayConstants.MaxPort}: {Describe(port)}");
        CheckPort(number, Describe(port));
        return defaults with { Port = number };
    }

    private static void CheckPort(int port, string shown)
    {
        if (port is < 1 or > OverlayConstants.MaxPort)
            throw Fail($"Backend.Port must be 1..{OverlayConstants.MaxPort}: {shown}");
    }

    /// <summary>The value of the last property named <paramref name="key"/> in any letter case;
    /// null when absent or JSON null.</summary>
    private static JsonElement? Find(JsonElement obj, string key)
    {
        JsonElement? found = null;
        foreach (var property in obj.EnumerateObject())
        {
            if (string.Equals(property.Name, key, StringComparison.OrdinalIgnoreCase))
                found = property.Value.ValueKind == JsonValueKind.Null ? null : property.Value;
        }
        return found;
    }

    /// <summary>A value as an error message shows it: strings bare, anything else as its JSON text,
    /// on one line and at most <see cref="OverlayConstants.MaxQuotedValueLength"/> characters.</summary>
    private static string Describe(JsonElement value) =>
        OneLine(value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.GetRawText(),
            OverlayConstants.MaxQuotedValueLength);

    private static string OneLine(string text, int maxLength)
    {
        var builder = new StringBuilder(Math.Min(text.Length, maxLength + 3));
        foreach (var c in text)
        {
            if (builder.Length >= maxLength)
            {
                builder.Append("...");
                break;
            }
            if (char.IsControl(c))
                builder.Append(c is '\n' or '\r' or '\t' ? ' ' : '?');
            else
                builder.Append(c);
        }
        return builder.ToString();
    }

    private static NetworkConfigException Fail(string message) => new(message);
}
