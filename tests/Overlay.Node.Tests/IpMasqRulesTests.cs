using Overlay.Actors.Addressing;
using Overlay.Node.IpMasq;

namespace Overlay.Node.Tests;

/// <summary>The --ip-masq rule set is flannel's, in flannel's order, and its iptables-restore input
/// replaces only our chains and adds a jump only when it is missing.</summary>
public sealed class IpMasqRulesTests
{
    private static readonly Ipv4Subnet Network = Ipv4Subnet.Parse("10.244.0.0/16");
    private static readonly Ipv4Subnet Pod = Ipv4Subnet.Parse("10.244.3.0/24");

    [Fact]
    public void The_restore_input_has_flannels_rules_in_order_with_random_fully()
    {
        var rules = IpMasqRules.For(Network, Pod, randomFully: true);
        Assert.Equal("""
            *nat
            :OVERLAY-POSTRTG - [0:0]
            -A OVERLAY-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "overlay masq" -j RETURN
            -A OVERLAY-POSTRTG -s 10.244.3.0/24 -d 10.244.0.0/16 -m comment --comment "overlay masq" -j RETURN
            -A OVERLAY-POSTRTG -s 10.244.0.0/16 -d 10.244.3.0/24 -m comment --comment "overlay masq" -j RETURN
            -A OVERLAY-POSTRTG ! -s 10.244.0.0/16 -d 10.244.3.0/24 -m comment --comment "overlay masq" -j RETURN
            -A OVERLAY-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "overlay masq" -j MASQUERADE --random-fully
            -A OVERLAY-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "overlay masq" -j MASQUERADE --random-fully
            -A POSTROUTING -m comment --comment "overlay masq" -j OVERLAY-POSTRTG
            COMMIT
            *filter
            :OVERLAY-FWD - [0:0]
            -A OVERLAY-FWD -s 10.244.0.0/16 -m comment --comment "overlay forward" -j ACCEPT
            -A OVERLAY-FWD -d 10.244.0.0/16 -m comment --comment "overlay forward" -j ACCEPT
            -A FORWARD -m comment --comment "overlay forward" -j OVERLAY-FWD
            COMMIT

            """.Replace("\r", ""), rules.ToRestoreInput(addNatJump: true, addForwardJump: true));
    }

    [Fact]
    public void Present_jumps_are_not_added_again_and_without_random_fully_masquerade_is_plain()
    {
        var text = IpMasqRules.For(Network, Pod, randomFully: false).ToRestoreInput(addNatJump: false, addForwardJump: false);
        Assert.DoesNotContain("-A POSTROUTING", text);
        Assert.DoesNotContain("-A FORWARD", text);
        Assert.DoesNotContain("--random-fully", text);
        Assert.Equal(2, text.Split('\n').Count(l => l.EndsWith("-j MASQUERADE", StringComparison.Ordinal)));
    }

    [Fact]
    public void Every_rule_is_checked_jumps_first_and_rules_compare_by_value()
    {
        var a = IpMasqRules.For(Network, Pod, true);
        var b = IpMasqRules.For(Network, Pod, true);
        Assert.Equal(10, a.All.Count());
        Assert.Equal("POSTROUTING", a.All.First().Chain);
        Assert.Equal(a.All, b.All);
        Assert.NotEqual(a.NatRules[1], IpMasqRules.For(Network, Ipv4Subnet.Parse("10.244.4.0/24"), true).NatRules[1]);
        Assert.Equal("-t nat -A POSTROUTING -m comment --comment \"overlay masq\" -j OVERLAY-POSTRTG", a.NatJump.ToString());
    }
}
