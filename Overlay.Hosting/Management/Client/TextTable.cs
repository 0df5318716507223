using System.Text;

namespace Overlay.Hosting.Management.Client;

/// <summary>
/// An aligned plain-text table as `etcdctl -w table`-less tools print them (kubectl get style):
/// upper-case headers, columns separated by at least two spaces, no trailing spaces, one row per
/// line. Not thread-safe.
/// </summary>
public sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    /// <summary>Adds a row; missing cells are empty, extra cells are an error.</summary>
    public TextTable Add(params string?[] cells)
    {
        if (cells.Length > headers.Length)
            throw new ArgumentException($"row has {cells.Length} cells, the table {headers.Length} columns", nameof(cells));
        _rows.Add(Enumerable.Range(0, headers.Length).Select(i => i < cells.Length ? cells[i] ?? "" : "").ToArray());
        return this;
    }

    /// <summary>The table, every line ending in '\n'.</summary>
    public override string ToString()
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder();
        foreach (var row in _rows.Prepend(headers))
        {
            var line = new StringBuilder();
            for (var i = 0; i < row.Length; i++)
            {
                line.Append(row[i]);
                if (i < row.Length - 1)
                    line.Append(' ', widths[i] - row[i].Length + 2);
            }
            text.Append(line.ToString().TrimEnd()).Append('\n');
        }
        return text.ToString();
    }
}
