using System.Text.Json.Nodes;
using TestSupport;

namespace B24CallListApp.Tests.CallLists;

/// <summary>
/// The workspace driven over HTTP the way its pages drive it: a portal opens the app, and every
/// later request posts the page session (and, where it changes data, the form token) in its body.
/// </summary>
/// <param name="appUrl">The app instance to talk to: the fixture's own unless a test started another.</param>
public sealed class WorkspaceClient(AppFixture app, EmulatedPortal portal, string session, string lang, Uri? appUrl = null)
{
    readonly Uri _appUrl = appUrl ?? app.AppUrl;

    public string Session { get; private set; } = session;

    public EmulatedPortal Portal => portal;

    public static async Task<WorkspaceClient> OpenAsync(AppFixture app, EmulatedPortal portal, int userId, string lang = "en", Uri? appUrl = null)
    {
        var open = await app.Control.OpenAsync(portal, new(UserId: userId, Lang: lang, Url: (appUrl ?? app.AppUrl).ToString()));
        var page = new AppPage(open.Status, open.Body);
        Assert.True(page.Status == 200, $"open answered {page.Status}: {page.Html}");
        return new WorkspaceClient(app, portal, page.Session!, lang, appUrl);
    }

    public async Task<AppPage> PostAsync(string pathAndQuery, IEnumerable<KeyValuePair<string, string>>? fields = null, string? session = null)
    {
        var all = new List<KeyValuePair<string, string>> { new("__session", session ?? Session) };
        all.AddRange(fields ?? []);
        var separator = pathAndQuery.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        using var response = await app.Http.PostAsync(new Uri(_appUrl, pathAndQuery + separator + "LANG=" + lang), new FormUrlEncodedContent(all));
        var page = new AppPage((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        Session = page.Session ?? Session;
        return page;
    }

    public Task<AppPage> ListAsync(int listId, int page = 1) => ListAsync(listId, page.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public Task<AppPage> ListAsync(int listId, string pageNumber) => PostAsync($"lists/{listId}", [new("pageNumber", pageNumber)]);

    /// <summary>The list page's "Save": the participants marked for removal and the form select as the user left it.</summary>
    /// <param name="loaded">The page as the user loaded it (earlier); by default it is loaded now.</param>
    public async Task<AppPage> SaveListAsync(int listId, IEnumerable<int> remove, string? form = null, string? formId = null, string? token = null, AppPage? loaded = null)
    {
        var page = loaded ?? await ListAsync(listId);
        var fields = new List<KeyValuePair<string, string>>
        {
            new("__form", token ?? page.FormTokenFor($"list:{listId}")!),
            new("formShown", page.FormShown!),
            new("form", form ?? page.FormShown!),
        };
        fields.AddRange(remove.Select(id => new KeyValuePair<string, string>("remove", Id(id))));
        if (formId is not null)
        {
            fields.Add(new("formId", formId));
        }

        return await PostAsync($"lists/{listId}?handler=save", fields);
    }

    /// <summary>The picker's "Add selected".</summary>
    public async Task<AppPage> AddSelectedAsync(int listId, IEnumerable<int> ids, string? token = null)
    {
        var picker = await PostAsync($"lists/{listId}/add");
        var fields = new List<KeyValuePair<string, string>> { new("__form", token ?? picker.FormTokenFor($"add:{listId}")!) };
        fields.AddRange(ids.Select(id => new KeyValuePair<string, string>("selected", Id(id))));
        return await PostAsync($"lists/{listId}/add?handler=addselected", fields);
    }

    public async Task<AppPage> SearchAsync(int listId, string query, string pageNumber = "1") =>
        await PostAsync($"lists/{listId}/add", [new("q", query), new("pageNumber", pageNumber)]);

    public async Task<IReadOnlyList<LoggedRequest>> UpdatesAsync() =>
        (await app.Control.RequestsAsync(portal)).Where(r => r.Method == "crm.calllist.update").ToList();

    public static string Id(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The ids an update sent as ENTITIES, in order.</summary>
    public static IReadOnlyList<int> Entities(LoggedRequest update) =>
        update.Params!["ENTITIES"]!.AsArray().Select(n => int.Parse(n!.ToString(), System.Globalization.CultureInfo.InvariantCulture)).ToList();

    public static int? WebFormId(LoggedRequest update) =>
        update.Params is JsonObject p && p.TryGetPropertyValue("WEBFORM_ID", out var form) && form is not null ? int.Parse(form.ToString(), System.Globalization.CultureInfo.InvariantCulture) : null;

    public Task<CallListState> ListStateAsync(int listId) => app.Control.CallListAsync(portal, listId);

    public Task<IReadOnlyList<int>> ParticipantsAsync(int listId) => app.Control.ParticipantsAsync(portal, listId);
}
