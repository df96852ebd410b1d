using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace B24CallListApp.CallLists;

/// <summary>
/// Saves as OpenTelemetry sees them: a span per save or create (activity source
/// <c>B24CallListApp.CallLists</c>), whose portal calls are its children, and the counter
/// <c>calllists.saves</c> by outcome (saved, nothing, refused, failed, unknown).
/// </summary>
public sealed class CallListMetrics
{
    public const string Name = "B24CallListApp.CallLists";

    public static readonly ActivitySource Source = new(Name);

    readonly Counter<long> _saves;

    public CallListMetrics(IMeterFactory meters) =>
        _saves = meters.Create(Name).CreateCounter<long>("calllists.saves", "{save}", "Saves and creates of call lists, by outcome (saved, nothing, refused, failed, unknown).");

    public void Saved(string operation, SaveResult result)
    {
        var outcome = result.Outcome switch
        {
            SaveOutcome.Saved => "saved",
            SaveOutcome.NothingToSave => "nothing",
            SaveOutcome.Refused => "refused",
            SaveOutcome.Failed => "failed",
            _ => "unknown",
        };
        _saves.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("outcome", outcome));
        Activity.Current?.SetTag("calllists.outcome", outcome);
    }
}
