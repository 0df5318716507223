namespace Overlay.Node.IpMasq;

/// <summary>The fixed names and values of the --ip-masq rules (flannel's, renamed for Overlay).</summary>
public static class IpMasqConstants
{
    /// <summary>nat chain jumped to from POSTROUTING (flannel: FLANNEL-POSTRTG).</summary>
    public const string NatChain = "OVERLAY-POSTRTG";

    /// <summary>filter chain jumped to from FORWARD (flannel: FLANNEL-FWD).</summary>
    public const string ForwardChain = "OVERLAY-FWD";

    /// <summary>Comment on every masquerade rule, so an operator sees who owns it (flannel: "flanneld masq").</summary>
    public const string MasqComment = "overlay masq";

    /// <summary>Comment on every forward rule (flannel: "flanneld forward").</summary>
    public const string ForwardComment = "overlay forward";

    /// <summary>kube-proxy's masquerade mark: such packets are masqueraded by kube-proxy, not us (no double NAT).</summary>
    public const string KubeProxyMark = "0x4000/0x4000";

    /// <summary>IPv4 multicast: never masqueraded.</summary>
    public const string Multicast = "224.0.0.0/4";

    /// <summary>The first iptables version with MASQUERADE --random-fully.</summary>
    public static readonly Version RandomFullyMinimum = new(1, 6, 2);

    /// <summary>How often the rules are looked for before the first install (the lease may arrive any moment).</summary>
    public static readonly TimeSpan WaitForLeaseInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long the service waits for the node actor's status (lease and network) per check.</summary>
    public static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long one iptables or iptables-restore run may take (it waits for the xtables lock).</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(15);
}
