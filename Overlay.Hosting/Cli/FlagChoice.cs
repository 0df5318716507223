namespace Overlay.Hosting.Cli;

/// <summary>The words a flag takes for the members of <typeparamref name="T"/>, stated once: the parser
/// reads them (case-insensitive) and the start-up line shows them.</summary>
public sealed class FlagChoice<T>(params (string Name, T Value)[] choices)
{
    private readonly Func<string, string> _choose = FlagParsers.Choice(choices.Select(c => c.Name).ToArray());

    /// <summary>The member <paramref name="text"/> names; <see cref="FlagValueException"/> listing the words otherwise.</summary>
    public T Parse(string text)
    {
        var name = _choose(text);
        return choices.First(c => c.Name == name).Value;
    }

    /// <summary>The word for <paramref name="value"/> (the member's name in lower case if it has none).</summary>
    public string Show(T value) =>
        choices.FirstOrDefault(c => EqualityComparer<T>.Default.Equals(c.Value, value)).Name
        ?? value?.ToString()?.ToLowerInvariant() ?? "";
}
