using Overlay.EndToEnd.Tests.Infrastructure;

namespace Overlay.Faults.Tests.Harness;

/// <summary>
/// A fault row as a test. CI rows (<see cref="Ci"/>) run whenever the root end-to-end tests run
/// (with CI=true they never skip); the others run only when selected by OVERLAY_FAULTS ("all", or
/// a list of rows such as "F10,F23", which lab/faults.sh sets). Put [Trait("Fault", "F10")] next
/// to it so one row can be chosen with --filter Fault=F10.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class FaultRowAttribute(string row) : FactAttribute
{
    private string? _skip;

    /// <summary>The matrix row.</summary>
    public string Row { get; } = row;

    /// <summary>True for the rows CI runs.</summary>
    public bool Ci { get; set; }

    /// <summary>Tools beyond ip, ping, curl, iptables and tc.</summary>
    public string[] Tools { get; set; } = [];

    /// <inheritdoc />
    public override string? Skip
    {
        get
        {
            if (_skip is not null)
            {
                return _skip;
            }

            if (!FaultSelection.Selected(Row, Ci))
            {
                return $"fault row {Row} runs only by command: lab/faults.sh {Row} (or OVERLAY_FAULTS=all)";
            }

            return RootEnvironment.IsCi ? null : LabEnvironment.MissingReason(needsTun: true, ["iptables", "tc", .. Tools]);
        }

        set => _skip = value;
    }
}
