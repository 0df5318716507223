namespace Overlay.Testing;

/// <summary>
/// A <see cref="FactAttribute"/> for tests that need root, network namespaces, /dev/net/tun (unless
/// <see cref="TopologyOnly"/>) and ip(8) plus <see cref="Tools"/>. Outside CI it skips with the missing
/// piece as the reason; with CI=true it never skips, so a broken CI machine fails loudly.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public class RootFactAttribute : FactAttribute
{
    private string? _skip;

    /// <summary>Tools the test needs beyond <see cref="BaseTools"/> (e.g. "tcpdump").</summary>
    public string[] Tools { get; set; } = [];

    /// <summary>True for tests that need no TUN device (namespaces and veths only).</summary>
    public bool TopologyOnly { get; set; }

    /// <summary>Tools every test of this kind needs: ip(8).</summary>
    protected virtual IEnumerable<string> BaseTools => ["ip"];

    /// <inheritdoc />
    public override string? Skip
    {
        // Computed on read because Tools and TopologyOnly are set after the constructor runs.
        get => _skip ?? RootEnvironment.SkipReason(!TopologyOnly, BaseTools.Concat(Tools));
        set => _skip = value;
    }
}
