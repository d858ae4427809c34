namespace Conveyor.Sample.WordCount;

/// <summary>A service the handler depends on, to show that handlers are built by dependency injection.</summary>
public sealed class WordSplitter
{
    public IReadOnlyList<string> Split(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
