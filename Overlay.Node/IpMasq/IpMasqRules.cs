using System.Text;
using Overlay.Actors.Addressing;
using static Overlay.Node.IpMasq.IpMasqConstants;

namespace Overlay.Node.IpMasq;

/// <summary>
/// The rule set of --ip-masq for one network and one pod subnet, in flannel's order
/// (pkg/trafficmngr/iptables): the nat chain returns for kube-proxy-marked packets and for traffic
/// that stays inside the overlay, masquerades pod traffic leaving it (except multicast) and host
/// traffic entering it; the filter chain accepts the overlay's forwarded traffic (Docker's FORWARD
/// policy is DROP). Pure: building a rule set touches nothing.
/// </summary>
public sealed class IpMasqRules
{
    private IpMasqRules(Ipv4Subnet network, Ipv4Subnet podSubnet, bool randomFully)
    {
        Network = network;
        PodSubnet = podSubnet;
        RandomFully = randomFully;
        var n = network.ToString();
        var pod = podSubnet.ToString();
        string[] masquerade = randomFully ? ["-j", "MASQUERADE", "--random-fully"] : ["-j", "MASQUERADE"];
        string[] masqComment = ["-m", "comment", "--comment", MasqComment];
        string[] fwdComment = ["-m", "comment", "--comment", ForwardComment];
        NatRules =
        [
            Nat(["-m", "mark", "--mark", KubeProxyMark, .. masqComment, "-j", "RETURN"]),
            Nat(["-s", pod, "-d", n, .. masqComment, "-j", "RETURN"]),
            Nat(["-s", n, "-d", pod, .. masqComment, "-j", "RETURN"]),
            Nat(["!", "-s", n, "-d", pod, .. masqComment, "-j", "RETURN"]),
            Nat(["-s", n, "!", "-d", Multicast, .. masqComment, .. masquerade]),
            Nat(["!", "-s", n, "-d", n, .. masqComment, .. masquerade]),
        ];
        ForwardRules =
        [
            new IptablesRule("filter", ForwardChain, ["-s", n, .. fwdComment, "-j", "ACCEPT"]),
            new IptablesRule("filter", ForwardChain, ["-d", n, .. fwdComment, "-j", "ACCEPT"]),
        ];
        NatJump = new IptablesRule("nat", "POSTROUTING", [.. masqComment, "-j", NatChain]);
        ForwardJump = new IptablesRule("filter", "FORWARD", [.. fwdComment, "-j", ForwardChain]);
    }

    /// <summary>The rules for <paramref name="network"/> and this node's <paramref name="podSubnet"/>.</summary>
    public static IpMasqRules For(Ipv4Subnet network, Ipv4Subnet podSubnet, bool randomFully) => new(network, podSubnet, randomFully);

    /// <summary>The overlay network (FLANNEL_NETWORK).</summary>
    public Ipv4Subnet Network { get; }

    /// <summary>This node's leased subnet (FLANNEL_SUBNET's network).</summary>
    public Ipv4Subnet PodSubnet { get; }

    /// <summary>Whether MASQUERADE uses --random-fully.</summary>
    public bool RandomFully { get; }

    /// <summary>The rules of <see cref="IpMasqConstants.NatChain"/>, in order.</summary>
    public IReadOnlyList<IptablesRule> NatRules { get; }

    /// <summary>The rules of <see cref="IpMasqConstants.ForwardChain"/>, in order.</summary>
    public IReadOnlyList<IptablesRule> ForwardRules { get; }

    /// <summary>POSTROUTING's jump into the nat chain.</summary>
    public IptablesRule NatJump { get; }

    /// <summary>FORWARD's jump into the filter chain.</summary>
    public IptablesRule ForwardJump { get; }

    /// <summary>Every rule, the jumps first: what the periodic check looks for.</summary>
    public IEnumerable<IptablesRule> All => [NatJump, ForwardJump, .. NatRules, .. ForwardRules];

    /// <summary>
    /// Input for `iptables-restore --noflush`: declaring a user chain flushes it, so our chains are
    /// replaced whole (stale rules of an earlier subnet go with them) and no other chain is touched.
    /// A jump is appended only when <paramref name="addNatJump"/> / <paramref name="addForwardJump"/>
    /// say it is missing, so it never appears twice.
    /// </summary>
    public string ToRestoreInput(bool addNatJump, bool addForwardJump)
    {
        var text = new StringBuilder();
        text.Append("*nat\n").Append($":{NatChain} - [0:0]\n");
        foreach (var rule in NatRules)
            text.Append(rule.ToRestoreLine()).Append('\n');
        if (addNatJump)
            text.Append(NatJump.ToRestoreLine()).Append('\n');
        text.Append("COMMIT\n*filter\n").Append($":{ForwardChain} - [0:0]\n");
        foreach (var rule in ForwardRules)
            text.Append(rule.ToRestoreLine()).Append('\n');
        if (addForwardJump)
            text.Append(ForwardJump.ToRestoreLine()).Append('\n');
        text.Append("COMMIT\n");
        return text.ToString();
    }

    private static IptablesRule Nat(string[] arguments) => new("nat", NatChain, arguments);
}
