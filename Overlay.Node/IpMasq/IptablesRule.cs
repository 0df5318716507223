namespace Overlay.Node.IpMasq;

/// <summary>One rule: its table, its chain and the match/target arguments, in iptables' own words
/// (each argument one element, no shell quoting).</summary>
public sealed record IptablesRule(string Table, string Chain, IReadOnlyList<string> Arguments)
{
    /// <summary>The rule as an iptables-restore line ("-A CHAIN args"), quoting arguments with spaces.</summary>
    public string ToRestoreLine() =>
        $"-A {Chain} " + string.Join(" ", Arguments.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));

    /// <inheritdoc />
    public override string ToString() => $"-t {Table} {ToRestoreLine()}";

    /// <summary>Value equality over the argument list.</summary>
    public bool Equals(IptablesRule? other) =>
        other is not null && Table == other.Table && Chain == other.Chain && Arguments.SequenceEqual(other.Arguments);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Table, Chain, Arguments.Count);
}
