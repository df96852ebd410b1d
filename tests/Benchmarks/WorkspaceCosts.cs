using System.Diagnostics;
using TestSupport;

namespace Benchmarks;

/// <summary>
/// What the workspace's user actions cost the portal, on a list of 5,000 participants under the
/// portal's default limit (leaky bucket of 50, 2 requests a second): HTTP requests against the lower
/// bound batch allows (50 commands of 50 rows a request), and wall time.
/// </summary>
public static class WorkspaceCosts
{
    public static async Task RunAsync(EmulatorControl control)
    {
        var database = Path.Combine(Path.GetTempPath(), $"b24-bench-{Guid.NewGuid():N}.db");
        await using var app = AppInstances.Start(AppInstances.EmulatorSettings(control.BaseAddress, database), environment: "Production", minimumLevel: Microsoft.Extensions.Logging.LogLevel.Error);
        var appUrl = AppInstances.AddressOf(app);
        var portal = await control.CreatePortalAsync(seed: "demo", app: new() { HandlerUrl = appUrl.ToString(), InstallUrl = appUrl + "install" });
        var (first, _) = await control.AddContactsAsync(portal, 5000, assignedById: 1);
        await control.AddContactsAsync(portal, 1000, assignedById: 1, lastName: "Newcomer");
        // A segment only these match: met at a trade show, with a phone, created today (the seed's contacts are older).
        await control.AddContactsAsync(portal, 1000, assignedById: 1, lastName: "Visitor", typeId: "CLIENT", sourceId: "TRADE_SHOW", phone: true);
        // More companies than the picker's company field can list: it finds them by title instead.
        await control.AddCompaniesAsync(portal, 5000, "Holding");
        var listId = await control.AddCallListAsync(portal, "CONTACT", Enumerable.Range(first, 5000));
        await control.InstallAsync(portal, new(Finish: true));
        var open = await control.OpenAsync(portal, new(UserId: 1));
        var session = new AppPage(open.Status, open.Body).Session ?? "";
        // The portal's real limit from here on (the app's limiter keeps its defaults too).
        await control.SetLimitsAsync(portal, drainPerSecond: 2, capacity: 50);
        using var http = new HttpClient { BaseAddress = appUrl, Timeout = TimeSpan.FromMinutes(5) };

        async Task<string> PostAsync(string path, params (string Name, string Value)[] fields)
        {
            var body = new List<KeyValuePair<string, string>> { new("__session", session) };
            body.AddRange(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
            using var response = await http.PostAsync(path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "LANG=en", new FormUrlEncodedContent(body));
            var html = await response.Content.ReadAsStringAsync();
            var page = new AppPage((int)response.StatusCode, html);
            session = page.Session ?? session;
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{path} answered {page.Status}: {page.StatusText} {page.AlertText} {page.MessageKey}");
            }

            return html;
        }

        async Task<(int Requests, double Seconds, string Html)> MeasureAsync(Func<Task<string>> action)
        {
            var before = (await control.RequestsAsync(portal)).Count(r => !r.InBatch);
            var watch = Stopwatch.StartNew();
            var html = await action();
            var seconds = watch.Elapsed.TotalSeconds;
            return ((await control.RequestsAsync(portal)).Count(r => !r.InBatch) - before, seconds, html);
        }

        Console.WriteLine("## Workspace actions on a list of 5,000 participants (portal limit: bucket 50, 2 requests/s)");
        Console.WriteLine("| action | requests to the portal | lower bound | wall time |");
        Console.WriteLine("|---|---:|---:|---:|");

        // Lower bounds, knowing only what earlier answers tell: reading a list (ReadBound), the first
        // page's names after the ids are known (+1), a search's first pages before its total is known (+1)
        // and the rest (+1), the update (+1).
        var view = await MeasureAsync(() => PostAsync($"lists/{listId}"));
        Check(view.Html.Contains("5,000 participants", StringComparison.Ordinal), "the list page shows 5,000 participants");
        Console.WriteLine($"| open the list, first page of names | {view.Requests} | {ReadBound(5000) + 1} | {view.Seconds:F2} s |");

        var picker = await PostAsync($"lists/{listId}/add", ("q", "Newcomer"));
        var token = new AppPage(200, picker).FormToken ?? "";
        var add = await MeasureAsync(() => PostAsync($"api/lists/{listId}/add-all", ("__form", token), ("q", "Newcomer")));
        Check(add.Html.Contains("Saved: 1000 added", StringComparison.Ordinal), "1,000 participants were added: " + add.Html);
        Console.WriteLine($"| add all 1,000 matching contacts | {add.Requests} | {2 + ReadBound(5000) + 1} | {add.Seconds:F2} s |");

        var list = await PostAsync($"lists/{listId}");
        token = new AppPage(200, list).FormTokenFor($"list:{listId}") ?? "";
        var form = await MeasureAsync(() => PostAsync($"lists/{listId}?handler=save", ("__form", token), ("formShown", "none"), ("form", "none"), ("formId", "2")));
        Check(form.Html.Contains("The CRM form is now", StringComparison.Ordinal), "the form was changed: " + new AppPage(200, form.Html).StatusText);
        Console.WriteLine($"| save a form change, and show the list again | {form.Requests} | {ReadBound(6000) + 2} | {form.Seconds:F2} s |");

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        (string, string)[] segment = [("segment.source", "TRADE_SHOW"), ("segment.phone", "Y"), ("segment.from", today)];
        picker = await PostAsync($"lists/{listId}/add", segment);
        Check(picker.Contains("data-found=\"1000\"", StringComparison.Ordinal), "the segment matches the 1,000 visitors");
        token = new AppPage(200, picker).FormToken ?? "";
        var bySegment = await MeasureAsync(() => PostAsync($"api/lists/{listId}/add-all", [("__form", token), .. segment]));
        Check(bySegment.Html.Contains("Saved: 1000 added", StringComparison.Ordinal), "the segment's 1,000 contacts were added: " + bySegment.Html);
        Console.WriteLine($"| add all 1,000 contacts matching a segment (source, has phone, created from) | {bySegment.Requests} | {2 + ReadBound(6000) + 1} | {bySegment.Seconds:F2} s |");

        var lookup = await MeasureAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/companies?q=Holding%20123");
            request.Headers.Add(B24CallListApp.Portals.PageSessions.HeaderName, session);
            using var response = await http.SendAsync(request);
            return await response.Content.ReadAsStringAsync();
        });
        Check(lookup.Html.Contains("\"title\":\"Holding 123\"", StringComparison.Ordinal), "the company was found: " + lookup.Html);
        Console.WriteLine($"| find a company among 5,040 by part of its title (the company field's suggestions) | {lookup.Requests} | 1 | {lookup.Seconds:F2} s |");

        var rejected = (await control.RequestsAsync(portal)).Count(r => r.Status == 503);
        Console.WriteLine($"QUERY_LIMIT_EXCEEDED answers: {rejected}");

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(database);
    }

    /// <summary>
    /// Requests to read a whole list in batches: every full page, one more to see the end, and the three
    /// commands a page needs beside them (the list, the statuses, the forms), 50 commands a request.
    /// </summary>
    static int ReadBound(int participants) => ((participants / 50) + 1 + 3 + 49) / 50;

    static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Expected: " + what);
        }
    }

}
