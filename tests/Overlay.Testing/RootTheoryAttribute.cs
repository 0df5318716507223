namespace Overlay.Testing;

/// <summary>The <see cref="TheoryAttribute"/> form of <see cref="RootFactAttribute"/>: the same skip
/// rule (never skipped with CI=true).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public class RootTheoryAttribute : TheoryAttribute
{
    private string? _skip;

    /// <summary>Tools the test needs beyond <see cref="BaseTools"/>.</summary>
    public string[] Tools { get; set; } = [];

    /// <summary>True for tests that need no TUN device.</summary>
    public bool TopologyOnly { get; set; }

    /// <summary>Tools every test of this kind needs: ip(8).</summary>
    protected virtual IEnumerable<string> BaseTools => ["ip"];

    /// <inheritdoc />
    public override string? Skip
    {
        get => _skip ?? (RootEnvironment.IsCi ? null : RootEnvironment.MissingReason(!TopologyOnly, BaseTools.Concat(Tools)));
        set => _skip = value;
    }
}
