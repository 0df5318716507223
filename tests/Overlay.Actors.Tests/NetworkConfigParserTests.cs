using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;

namespace Overlay.Actors.Tests;

public class NetworkConfigParserTests
{
    private static string Error(string json) =>
        Assert.Throws<NetworkConfigException>(() => NetworkConfigParser.Parse(json)).Message;

    [Fact]
    public void Slash16_defaults_to_slash24_with_second_and_last_subnet_and_udp_8285()
    {
        var config = NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16"}""");

        Assert.Equal(Ipv4Subnet.Parse("10.244.0.0/16"), config.Network);
        Assert.Equal(24, config.SubnetLen);
        Assert.Equal(Ipv4Subnet.Parse("10.244.1.0/24"), config.SubnetMin);
        Assert.Equal(Ipv4Subnet.Parse("10.244.255.0/24"), config.SubnetMax);
        Assert.Equal(new BackendConfig("udp", 8285), config.Backend);
        Assert.Equal(255, config.SubnetCount);
    }

    [Fact]
    public void Slash22_still_gets_slash24()
    {
        var config = NetworkConfigParser.Parse("""{"Network":"10.0.0.0/22"}""");
        Assert.Equal(24, config.SubnetLen);
        Assert.Equal(Ipv4Subnet.Parse("10.0.1.0/24"), config.SubnetMin);
        Assert.Equal(Ipv4Subnet.Parse("10.0.3.0/24"), config.SubnetMax);
    }

    [Fact]
    public void Slash23_defaults_to_prefix_plus_two()
    {
        var config = NetworkConfigParser.Parse("""{"Network":"10.0.0.0/23"}""");
        Assert.Equal(25, config.SubnetLen);
        Assert.Equal(Ipv4Subnet.Parse("10.0.0.128/25"), config.SubnetMin);
        Assert.Equal(Ipv4Subnet.Parse("10.0.1.128/25"), config.SubnetMax);
    }

    [Fact]
    public void Slash28_is_split_into_four_slash30s()
    {
        var config = NetworkConfigParser.Parse("""{"Network":"10.0.0.0/28"}""");
        Assert.Equal(30, config.SubnetLen);
        Assert.Equal(Ipv4Subnet.Parse("10.0.0.4/30"), config.SubnetMin);
        Assert.Equal(Ipv4Subnet.Parse("10.0.0.12/30"), config.SubnetMax);
        Assert.Equal(3, config.SubnetCount);
    }

    [Fact]
    public void Explicit_values_are_taken()
    {
        var config = NetworkConfigParser.Parse("""
            {"Network":"10.3.0.0/16","SubnetLen":26,"SubnetMin":"10.3.2.64","SubnetMax":"10.3.9.192",
             "Backend":{"Type":"udp","Port":9000}}
            """);
        Assert.Equal(26, config.SubnetLen);
        Assert.Equal(Ipv4Subnet.Parse("10.3.2.64/26"), config.SubnetMin);
        Assert.Equal(Ipv4Subnet.Parse("10.3.9.192/26"), config.SubnetMax);
        Assert.Equal(new BackendConfig("udp", 9000), config.Backend);
    }

    [Fact]
    public void Keys_match_in_any_case_and_backend_type_is_case_insensitive()
    {
        var config = NetworkConfigParser.Parse("""
            {"network":"10.5.0.0/16","SUBNETLEN":25,"subnetMin":"10.5.0.128","SubNetMax":"10.5.1.0",
             "backend":{"type":"UDP","PORT":8300}}
            """);
        Assert.Equal(Ipv4Subnet.Parse("10.5.0.0/16"), config.Network);
        Assert.Equal(25, config.SubnetLen);
        Assert.Equal(Ipv4Subnet.Parse("10.5.0.128/25"), config.SubnetMin);
        Assert.Equal(Ipv4Subnet.Parse("10.5.1.0/25"), config.SubnetMax);
        Assert.Equal(new BackendConfig("udp", 8300), config.Backend);
    }

    [Fact]
    public void Backend_defaults_when_absent_null_or_without_type_and_port()
    {
        var expected = new BackendConfig("udp", 8285);
        Assert.Equal(expected, NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16"}""").Backend);
        Assert.Equal(expected, NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16","Backend":null}""").Backend);
        Assert.Equal(expected, NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16","Backend":{}}""").Backend);
        Assert.Equal(expected, NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16","Backend":{"Type":"udp"}}""").Backend);
    }

    [Fact]
    public void Unknown_keys_are_ignored()
    {
        var config = NetworkConfigParser.Parse("""
            {"Network":"10.244.0.0/16","EnableNFTables":false,"Whatever":[1,2,3],"Backend":{"Type":"udp","VNI":1}}
            """);
        Assert.Equal(NetworkConfigParser.Default, config);
    }

    [Fact]
    public void Default_is_the_lab_network()
    {
        var config = NetworkConfigParser.Default;
        Assert.Equal(Ipv4Subnet.Parse("10.244.0.0/16"), config.Network);
        Assert.Equal(24, config.SubnetLen);
        Assert.Equal(Ipv4Subnet.Parse("10.244.1.0/24"), config.SubnetMin);
        Assert.Equal(Ipv4Subnet.Parse("10.244.255.0/24"), config.SubnetMax);
        Assert.Equal(new BackendConfig("udp", 8285), config.Backend);
    }

    [Fact]
    public void Missing_network_is_rejected() =>
        Assert.Equal("Network is missing: please define a correct Network parameter, an IPv4 CIDR such as 10.244.0.0/16",
            Error("""{"SubnetLen":24}"""));

    [Theory]
    [InlineData("""{"Network":"10.244.0.1/16"}""", "Network is not a canonical IPv4 CIDR: 10.244.0.1/16")]
    [InlineData("""{"Network":"10.244.0.0"}""", "Network is not a canonical IPv4 CIDR: 10.244.0.0")]
    [InlineData("""{"Network":"10.244.0.0-16"}""", "Network is not a canonical IPv4 CIDR: 10.244.0.0-16")]
    [InlineData("""{"Network":"010.244.0.0/16"}""", "Network is not a canonical IPv4 CIDR: 010.244.0.0/16")]
    [InlineData("""{"Network":"fc00::/64"}""", "Network is not a canonical IPv4 CIDR: fc00::/64")]
    [InlineData("""{"Network":"10.244.0.0/33"}""", "Network is not a canonical IPv4 CIDR: 10.244.0.0/33")]
    [InlineData("""{"Network":16}""", "Network is not a canonical IPv4 CIDR: 16")]
    public void Network_must_be_a_canonical_ipv4_cidr(string json, string expected) =>
        Assert.Equal(expected, Error(json));

    [Fact]
    public void Network_smaller_than_slash28_is_rejected() =>
        Assert.Equal("network is too small. Minimum useful network prefix is /28: 10.0.0.0/29",
            Error("""{"Network":"10.0.0.0/29"}"""));

    [Fact]
    public void SubnetLen_31_is_rejected() =>
        Assert.Equal("SubnetLen must be less than /31: 31",
            Error("""{"Network":"10.244.0.0/16","SubnetLen":31}"""));

    [Fact]
    public void SubnetLen_that_leaves_fewer_than_four_subnets_is_rejected() =>
        Assert.Equal("network must be able to accommodate at least four subnets: Network 10.244.0.0/16, SubnetLen 17",
            Error("""{"Network":"10.244.0.0/16","SubnetLen":17}"""));

    [Theory]
    [InlineData("""{"Network":"10.244.0.0/16","SubnetLen":"abc"}""", "SubnetLen must be an integer: abc")]
    [InlineData("""{"Network":"10.244.0.0/16","SubnetLen":24.5}""", "SubnetLen must be an integer: 24.5")]
    [InlineData("""{"Network":"10.244.0.0/16","SubnetLen":true}""", "SubnetLen must be an integer: true")]
    public void SubnetLen_must_be_an_integer(string json, string expected) =>
        Assert.Equal(expected, Error(json));

    [Theory]
    [InlineData("SubnetMin", "10.245.0.0")]
    [InlineData("SubnetMax", "10.243.255.0")]
    public void Bounds_must_lie_in_the_network(string key, string value) =>
        Assert.Equal($"{key} is not in the range of the Network: {value}",
            Error($$"""{"Network":"10.244.0.0/16","{{key}}":"{{value}}"}"""));

    [Theory]
    [InlineData("SubnetMin", "10.244.1.7")]
    [InlineData("SubnetMax", "10.244.9.128")]
    public void Bounds_must_be_on_a_subnetlen_boundary(string key, string value) =>
        Assert.Equal($"{key} is not on a SubnetLen boundary: {value}",
            Error($$"""{"Network":"10.244.0.0/16","{{key}}":"{{value}}"}"""));

    [Theory]
    [InlineData("""{"Network":"10.244.0.0/16","SubnetMin":"abc"}""", "SubnetMin is not an IPv4 address: abc")]
    [InlineData("""{"Network":"10.244.0.0/16","SubnetMax":"10.244.9.0/24"}""", "SubnetMax is not an IPv4 address: 10.244.9.0/24")]
    [InlineData("""{"Network":"10.244.0.0/16","SubnetMin":42}""", "SubnetMin is not an IPv4 address: 42")]
    public void Bounds_must_be_ipv4_addresses(string json, string expected) =>
        Assert.Equal(expected, Error(json));

    [Fact]
    public void SubnetMin_above_SubnetMax_is_rejected() =>
        Assert.Equal("SubnetMin 10.244.9.0 is greater than SubnetMax 10.244.2.0",
            Error("""{"Network":"10.244.0.0/16","SubnetMin":"10.244.9.0","SubnetMax":"10.244.2.0"}"""));

    [Fact]
    public void SubnetMin_equal_to_SubnetMax_gives_one_subnet()
    {
        var config = NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16","SubnetMin":"10.244.7.0","SubnetMax":"10.244.7.0"}""");
        Assert.Equal(1, config.SubnetCount);
    }

    [Theory]
    [InlineData("vxlan", "unknown backend type: vxlan")]
    [InlineData("host-gw", "unknown backend type: host-gw")]
    public void Unknown_backend_type_is_rejected(string type, string expected) =>
        Assert.Equal(expected, Error($$$"""{"Network":"10.244.0.0/16","Backend":{"Type":"{{{type}}}"}}"""));

    [Fact]
    public void Backend_type_of_wrong_json_type_is_rejected() =>
        Assert.Equal("unknown backend type: 7", Error("""{"Network":"10.244.0.0/16","Backend":{"Type":7}}"""));

    [Fact]
    public void Backend_must_be_an_object() =>
        Assert.Equal("Backend must be a JSON object: udp", Error("""{"Network":"10.244.0.0/16","Backend":"udp"}"""));

    [Theory]
    [InlineData("70000", "Backend.Port must be 1..65535: 70000")]
    [InlineData("0", "Backend.Port must be 1..65535: 0")]
    [InlineData("-1", "Backend.Port must be 1..65535: -1")]
    [InlineData("\"8285\"", "Backend.Port must be 1..65535: 8285")]
    [InlineData("99999999999", "Backend.Port must be 1..65535: 99999999999")]
    public void Backend_port_must_be_in_range(string port, string expected) =>
        Assert.Equal(expected, Error($$$"""{"Network":"10.244.0.0/16","Backend":{"Type":"udp","Port":{{{port}}}}}"""));

    [Fact]
    public void Ipv6_is_refused_for_the_udp_backend()
    {
        Assert.Equal("EnableIPv6 is not supported by the udp backend: true",
            Error("""{"Network":"10.244.0.0/16","EnableIPv6":true}"""));
        Assert.Equal("EnableIPv4 must be true, Overlay carries IPv4 only: false",
            Error("""{"Network":"10.244.0.0/16","EnableIPv4":false}"""));
        Assert.Equal("EnableIPv6 must be true or false: yes",
            Error("""{"Network":"10.244.0.0/16","EnableIPv6":"yes"}"""));
    }

    [Theory]
    [InlineData("{\"Network\":")]
    [InlineData("")]
    [InlineData("{\"Network\":\"10.244.0.0/16\",}")]
    public void Malformed_json_is_reported_as_such(string json)
    {
        var message = Error(json);
        Assert.StartsWith("net-conf.json is not valid JSON: ", message);
        Assert.True(message.Length > "net-conf.json is not valid JSON: ".Length);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void Root_must_be_an_object() =>
        Assert.Equal("net-conf.json must be a JSON object: [1, 2]", Error("[1, 2]"));

    [Fact]
    public void Long_and_multi_line_values_are_shown_on_one_short_line()
    {
        var message = Error("{\"Network\":\"" + new string('x', 500) + "\\n\"}");
        Assert.DoesNotContain('\n', message);
        Assert.True(message.Length < 150, message);
    }

    [Fact]
    public void Last_duplicate_key_wins_like_go()
    {
        var config = NetworkConfigParser.Parse("""{"Network":"10.1.0.0/16","network":"10.2.0.0/16"}""");
        Assert.Equal(Ipv4Subnet.Parse("10.2.0.0/16"), config.Network);
    }

    [Fact]
    public void Null_counts_as_absent()
    {
        var config = NetworkConfigParser.Parse("""{"Network":"10.244.0.0/16","SubnetLen":null,"SubnetMin":null}""");
        Assert.Equal(NetworkConfigParser.Default, config);
    }

    [Fact]
    public void Validate_accepts_parsed_configs_and_rejects_broken_ones()
    {
        NetworkConfigParser.Validate(NetworkConfigParser.Default);
        var inverted = NetworkConfigParser.Default with
        {
            SubnetMin = Ipv4Subnet.Parse("10.244.9.0/24"),
            SubnetMax = Ipv4Subnet.Parse("10.244.2.0/24"),
        };
        Assert.Equal("SubnetMin 10.244.9.0 is greater than SubnetMax 10.244.2.0",
            Assert.Throws<NetworkConfigException>(() => NetworkConfigParser.Validate(inverted)).Message);
        var wrongPrefix = NetworkConfigParser.Default with { SubnetMin = Ipv4Subnet.Parse("10.244.1.0/25") };
        Assert.Equal("SubnetMin prefix length must equal SubnetLen 24: 10.244.1.0/25",
            Assert.Throws<NetworkConfigException>(() => NetworkConfigParser.Validate(wrongPrefix)).Message);
        var outside = NetworkConfigParser.Default with { SubnetMax = Ipv4Subnet.Parse("10.245.0.0/24") };
        Assert.Equal("SubnetMax is not in the range of the Network: 10.245.0.0",
            Assert.Throws<NetworkConfigException>(() => NetworkConfigParser.Validate(outside)).Message);
    }
}
