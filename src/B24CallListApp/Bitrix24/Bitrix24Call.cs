using System.Text.Json;
using System.Text.Json.Nodes;

namespace B24CallListApp.Bitrix24;

/// <summary>
/// A call the app makes to Bitrix24: its method and its parameters, built in one place. Whether it may be
/// repeated follows from the method (<see cref="Bitrix24Methods.IsRepeatable(string)"/>), nowhere else.
/// </summary>
public abstract record Bitrix24Call(string Method)
{
    public abstract JsonObject Parameters();

    /// <summary>The call as one command of a batch.</summary>
    public BatchCommand Command() => new(Method, Parameters());
}

/// <summary>A paged read: how its pages end, and how one of its rows is read (null for a row that is not one).</summary>
public abstract record Bitrix24Read<TRow>(string Method, Bitrix24Paging Paging) : Bitrix24Call(Method)
    where TRow : class
{
    public abstract TRow? Parse(JsonElement row);

    /// <summary>One page of the read (<c>start</c>), as a batch command.</summary>
    public BatchCommand Page(int start)
    {
        var parameters = Parameters();
        parameters["start"] = start;
        return new BatchCommand(Method, parameters);
    }

    public IReadOnlyList<TRow> ParseAll(IEnumerable<JsonElement> rows) => rows.Select(Parse).OfType<TRow>().ToList();
}
