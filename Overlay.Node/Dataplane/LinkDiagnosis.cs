using Overlay.Node.Tun;

namespace Overlay.Node.Dataplane;

/// <summary>The watchdog's decision, kept pure: what a <see cref="LinkState"/> lacks compared with the
/// link the data path configured, and the metric label of each defect.</summary>
public static class LinkDiagnosis
{
    /// <summary>Every defect of <paramref name="state"/> for a TUN whose address should be
    /// <paramref name="address"/> (host order). A missing device is reported alone: nothing else of it
    /// can be repaired.</summary>
    public static LinkDefects Diagnose(LinkState state, uint address)
    {
        if (!state.Exists)
            return LinkDefects.DeviceMissing | (state.BackstopInstalled ? LinkDefects.None : LinkDefects.BackstopMissing);
        var defects = LinkDefects.None;
        if (!state.Up)
            defects |= LinkDefects.LinkDown;
        if (state.Address != address)
            defects |= LinkDefects.AddressMissing;
        if (!state.RouteInstalled)
            defects |= LinkDefects.RouteMissing;
        if (!state.BackstopInstalled)
            defects |= LinkDefects.BackstopMissing;
        return defects;
    }

    /// <summary>The single defects in <paramref name="defects"/>, in declaration order.</summary>
    public static IEnumerable<LinkDefects> Each(LinkDefects defects) =>
        Enum.GetValues<LinkDefects>().Where(d => d != LinkDefects.None && defects.HasFlag(d));

    /// <summary>The metric label (and log word) of one defect: device_missing, link_down, address_missing,
    /// route_missing, backstop_missing.</summary>
    public static string Label(LinkDefects defect) => defect switch
    {
        LinkDefects.DeviceMissing => "device_missing",
        LinkDefects.LinkDown => "link_down",
        LinkDefects.AddressMissing => "address_missing",
        LinkDefects.RouteMissing => "route_missing",
        LinkDefects.BackstopMissing => "backstop_missing",
        _ => throw new ArgumentOutOfRangeException(nameof(defect), defect, "not a single link defect"),
    };

    /// <summary>"link_down, route_missing": the defects for a log line.</summary>
    public static string Describe(LinkDefects defects) => string.Join(", ", Each(defects).Select(Label));
}
