namespace Overlay.Faults.Tests.Harness;

/// <summary>Which rows run: OVERLAY_FAULTS unset or "ci" = the CI rows; "all" = every row; else a
/// list of row ids separated by commas or spaces (the CI rows run only if listed).</summary>
public static class FaultSelection
{
    /// <summary>True when row <paramref name="row"/> (a CI row when <paramref name="ci"/>) is selected.</summary>
    public static bool Selected(string row, bool ci) => Selected(Environment.GetEnvironmentVariable("OVERLAY_FAULTS"), row, ci);

    /// <summary>The rule, for a given value of OVERLAY_FAULTS.</summary>
    public static bool Selected(string? setting, string row, bool ci)
    {
        if (string.IsNullOrWhiteSpace(setting) || setting.Trim().Equals("ci", StringComparison.OrdinalIgnoreCase))
        {
            return ci;
        }

        if (setting.Trim().Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return setting.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Contains(row, StringComparer.OrdinalIgnoreCase);
    }
}
