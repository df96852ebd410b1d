using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace B24CallListApp.Tests.CallLists;

/// <summary>
/// Bad input of every kind against the workspace: a clear message in the user's language, a 4xx, and
/// nothing sent to the portal that could change data.
/// </summary>
public sealed class WorkspaceInputTests(AppFixture app) : IClassFixture<AppFixture>
{
    static readonly string[] Writes = ["crm.calllist.update", "crm.calllist.add"];

    async Task<WorkspaceClient> OpenAsync(int userId, string lang = "en") =>
        await WorkspaceClient.OpenAsync(app, await app.InstalledPortalAsync(), userId, lang);

    async Task AssertNothingWrittenAsync(EmulatedPortal portal) =>
        Assert.DoesNotContain(await app.Control.RequestsAsync(portal), r => Writes.Contains(r.Method));

    [Fact]
    public async Task A_list_id_the_portal_does_not_have_is_a_404_with_a_message()
    {
        var admin = await OpenAsync(1, "ru");

        var view = await admin.ListAsync(99);
        var save = await admin.PostAsync("lists/99?handler=save", [new("__form", "x"), new("remove", "1")]);

        Assert.Equal(404, view.Status);
        Assert.Equal("ListNotFound", view.MessageKey);
        Assert.Contains("Такого списка обзвона нет", view.Html, StringComparison.Ordinal);
        Assert.Equal(404, save.Status);
        await AssertNothingWrittenAsync(admin.Portal);
    }

    [Fact]
    public async Task Pages_without_a_valid_session_do_nothing_and_say_so()
    {
        var admin = await OpenAsync(1);
        var forged = admin.Session[..^6] + (admin.Session[^6] == 'A' ? "B" : "A") + admin.Session[^5..];

        foreach (var session in new[] { "", "not-a-session", forged })
        {
            var page = await admin.PostAsync("lists/1?handler=save", [new("remove", "1")], session: session);
            Assert.Equal(401, page.Status);
            Assert.Equal("SessionExpired", page.MessageKey);
        }

        // A GET carries no session at all (and a session never travels in a URL).
        using var get = await app.Http.GetAsync(new Uri(app.AppUrl, "lists/1?LANG=en"));
        Assert.Equal(401, (int)get.StatusCode);
        await AssertNothingWrittenAsync(admin.Portal);
    }

    [Fact]
    public async Task A_session_acts_only_in_its_own_portal()
    {
        var mine = await OpenAsync(1);
        var other = await app.InstalledPortalAsync();
        var othersList = await app.Control.AddCallListAsync(other, "CONTACT", [1, 2, 3]);
        var before = (await app.Control.RequestsAsync(other)).Count;

        var page = await mine.ListAsync(othersList);

        Assert.Equal(404, page.Status);
        Assert.Equal(before, (await app.Control.RequestsAsync(other)).Count);
    }

    [Fact]
    public async Task A_session_expires_an_hour_after_its_last_page()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var instance = app.CreateApp(services: s => s.AddSingleton<TimeProvider>(clock));
        var portal = await app.Control.CreatePortalAsync(app: new() { InstallUrl = AppFixture.AddressOf(instance) + "install", HandlerUrl = AppFixture.AddressOf(instance).ToString() });
        await app.Control.InstallAsync(portal, new(Finish: true));
        var open = await app.Control.OpenAsync(portal, new(UserId: 1));
        var session = new AppPage(200, open.Body).Session!;
        using var http = new HttpClient { BaseAddress = AppFixture.AddressOf(instance) };

        async Task<AppPage> ListAsync(string token)
        {
            using var response = await http.PostAsync("lists/1?LANG=en", new FormUrlEncodedContent([new("__session", token)]));
            return new AppPage((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        clock.Advance(TimeSpan.FromMinutes(50));
        var used = await ListAsync(session);
        Assert.Equal(200, used.Status);
        // Each page carries a renewed session: 50 minutes later the renewed one still works, the old one not.
        clock.Advance(TimeSpan.FromMinutes(50));
        Assert.Equal(200, (await ListAsync(used.Session!)).Status);
        Assert.Equal(401, (await ListAsync(session)).Status);
        clock.Advance(TimeSpan.FromMinutes(61));
        Assert.Equal(401, (await ListAsync(used.Session!)).Status);
    }

    [Fact]
    public async Task Forms_that_change_data_need_their_own_fresh_token()
    {
        var admin = await OpenAsync(1);
        var other = await OpenAsync(1);
        var listTwo = (await admin.ListAsync(2)).FormTokenFor("list:2")!;
        var othersToken = (await other.ListAsync(1)).FormTokenFor("list:1")!;

        var missing = await admin.PostAsync("lists/1?handler=save", [new("remove", "1")]);
        var wrongForm = await admin.SaveListAsync(1, [1], token: listTwo);
        var wrongSession = await admin.SaveListAsync(1, [1], token: othersToken);
        var garbage = await admin.SaveListAsync(1, [1], token: "garbage");

        foreach (var page in new[] { missing, wrongForm, wrongSession, garbage })
        {
            Assert.Equal(400, page.Status);
            Assert.Contains("This form has expired", page.AlertText, StringComparison.Ordinal);
        }

        await AssertNothingWrittenAsync(admin.Portal);
    }

    [Theory]
    [InlineData("remove", "1; DROP TABLE Accounts")]
    [InlineData("remove", "-4")]
    [InlineData("form", "<script>")]
    [InlineData("formId", "99999999999999999999")]
    public async Task Tampered_values_are_refused_with_a_message(string field, string value)
    {
        var admin = await OpenAsync(1);
        var page = await admin.ListAsync(1);

        var saved = await admin.PostAsync("lists/1?handler=save", [new("__form", page.FormTokenFor("list:1")!), new("formShown", page.FormShown!), new(field, value)]);

        Assert.Equal(400, saved.Status);
        Assert.Contains("Some values in the form are not valid", saved.AlertText, StringComparison.Ordinal);
        await AssertNothingWrittenAsync(admin.Portal);
    }

    [Theory]
    [InlineData("segment.type", "<script>")]
    [InlineData("segment.source", "TRADE SHOW")]
    [InlineData("segment.responsible", "-1")]
    [InlineData("segment.company", "1 OR 1=1")]
    [InlineData("segment.from", "31/12/2026")]
    [InlineData("segment.to", "2026-02-30")]
    [InlineData("selected", "thirty")]
    [InlineData("selected", "-30")]
    public async Task A_tampered_segment_is_refused_and_nothing_is_added(string field, string value)
    {
        var admin = await OpenAsync(1);
        var picker = await admin.PostAsync("lists/1/add");
        var token = picker.FormTokenFor("add:1")!;

        var addAll = await admin.PostAsync("lists/1/add?handler=addall", [new("__form", token), new(field, value)]);
        var addSelected = await admin.PostAsync("lists/1/add?handler=addselected", [new("__form", token), new("selected", "30"), new(field, value)]);

        foreach (var page in new[] { addAll, addSelected })
        {
            Assert.Equal(400, page.Status);
            Assert.Contains("Some values in the form are not valid", page.AlertText, StringComparison.Ordinal);
        }

        // The page's script adds all matching through the API: the same refusal, as problem details.
        var withProgress = await admin.PostAsync("api/lists/1/add-all", [new("__form", token), new(field, value)]);
        Assert.Equal(400, withProgress.Status);
        Assert.Contains("\"code\":\"InvalidInput\"", withProgress.Html, StringComparison.Ordinal);

        await AssertNothingWrittenAsync(admin.Portal);
    }

    /// <param name="pickerPage">The picker's page shown: the demo's 300 contacts make 6; a page past them shows the last.</param>
    [Theory]
    [InlineData("0", 1)]
    [InlineData("-3", 1)]
    [InlineData("abc", 1)]
    [InlineData("99999999999", 1)]
    [InlineData("7", 6)]
    [InlineData("2147483647", 6)]
    public async Task A_page_number_out_of_reach_shows_the_nearest_page_there_is(string pageNumber, int pickerPage)
    {
        var admin = await OpenAsync(1);

        var list = await admin.ListAsync(1, pageNumber);
        var picker = await admin.SearchAsync(1, "", pageNumber);

        Assert.Equal((200, ""), (list.Status, list.AlertText));
        Assert.Contains("24 participants", list.Html, StringComparison.Ordinal);
        Assert.Equal((200, ""), (picker.Status, picker.AlertText));
        Assert.Contains($"Page {pickerPage} of 6", picker.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("Nothing found.", picker.Html, StringComparison.Ordinal);
        await AssertNothingWrittenAsync(admin.Portal);
    }

    [Fact]
    public async Task A_search_of_ten_thousand_characters_is_refused_before_the_portal_is_asked()
    {
        var admin = await OpenAsync(1, "ru");
        var before = (await app.Control.RequestsAsync(admin.Portal)).Count(r => r.Method == "crm.contact.list" && r.Params?["filter"] is JsonObject f && f.Count > 0);

        var page = await admin.SearchAsync(1, new string('a', 10_000));

        Assert.Equal(400, page.Status);
        Assert.Contains("Слишком длинный запрос", page.AlertText, StringComparison.Ordinal);
        Assert.Equal(before, (await app.Control.RequestsAsync(admin.Portal)).Count(r => r.Method == "crm.contact.list" && r.Params?["filter"] is JsonObject f && f.Count > 0));
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("' OR 1=1 --")]
    [InlineData("\"><img src=x onerror=alert(1)>")]
    public async Task Markup_and_sql_in_a_search_are_only_text(string query)
    {
        var admin = await OpenAsync(1);

        var page = await admin.SearchAsync(1, query);

        Assert.Equal(200, page.Status);
        Assert.DoesNotContain(query, page.Html, StringComparison.Ordinal);
        Assert.Contains("Nothing found.", page.Html, StringComparison.Ordinal);
        await AssertNothingWrittenAsync(admin.Portal);
    }

    [Fact]
    public async Task Search_finds_by_name_by_phone_and_by_e_mail()
    {
        var admin = await OpenAsync(1);
        var (_, answer) = await PortalRest.CallAsync(admin.Portal, admin.Portal.Admin.AccessToken, "crm.contact.list", new { filter = new { ID = 52 }, select = new[] { "ID", "NAME", "LAST_NAME", "PHONE", "EMAIL" } });
        var contact = answer["result"]![0]!;
        var phone = (string)contact["PHONE"]![0]!["VALUE"]!;
        var email = (string)contact["EMAIL"]![0]!["VALUE"]!;

        var (first, last) = ((string)contact["NAME"]!, (string)contact["LAST_NAME"]!);
        foreach (var query in new[] { last, first, $"{first} {last}", $"{last} {first}", phone, phone.Replace(" ", "", StringComparison.Ordinal), email })
        {
            var page = await admin.SearchAsync(1, query);
            Assert.Equal(200, page.Status);
            Assert.Contains("value=\"52\"", page.Html, StringComparison.Ordinal);
        }

        Assert.Contains(await app.Control.RequestsAsync(admin.Portal), r => r.Method == "crm.duplicate.findbycomm" && (string)r.Params!["type"]! == "PHONE");
        Assert.Contains(await app.Control.RequestsAsync(admin.Portal), r => r.Method == "crm.duplicate.findbycomm" && (string)r.Params!["type"]! == "EMAIL");
    }

    [Fact]
    public async Task A_row_menu_placement_adds_its_record_to_a_list_of_its_kind()
    {
        var portal = await app.InstalledPortalAsync();
        var open = await app.Control.OpenAsync(portal,
            new(UserId: 2, Placement: "CRM_CONTACT_LIST_MENU", PlacementOptions: JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["ID"] = "25" })));
        var page = new AppPage(open.Status, open.Body);
        Assert.Equal(200, page.Status);
        Assert.Contains("Add to call list", page.Html, StringComparison.Ordinal);
        Assert.Contains("<option value=\"1\">", page.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<option value=\"2\">", page.Html, StringComparison.Ordinal);
        var manager = new WorkspaceClient(app, portal, page.Session!, "en");

        var added = await manager.PostAsync("placement/add", [new("__form", page.FormToken!), new("type", "CONTACT"), new("entity", "25"), new("list", "1")]);

        Assert.Equal(200, added.Status);
        Assert.Contains("Saved: 1 added, 0 removed.", added.StatusText, StringComparison.Ordinal);
        Assert.Contains(25, await manager.ParticipantsAsync(1));
        var update = Assert.Single(await manager.UpdatesAsync());
        Assert.Equal(3, WorkspaceClient.WebFormId(update));
    }

    [Fact]
    public async Task A_row_menu_placement_for_a_record_the_user_cannot_see_says_so()
    {
        var portal = await app.InstalledPortalAsync();
        var open = await app.Control.OpenAsync(portal,
            new(UserId: 2, Placement: "CRM_CONTACT_LIST_MENU", PlacementOptions: JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["ID"] = "27" })));

        Assert.Equal(200, open.Status);
        Assert.Contains("data-message=\"EntityMissing\"", open.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_list_is_created_from_the_picker_with_its_form()
    {
        var manager = await OpenAsync(2);
        var form = await manager.PostAsync("lists/new");

        var created = await manager.PostAsync("lists/new?handler=create", [new("__form", form.FormToken!), new("type", "CONTACT"), new("selected", "4"), new("selected", "7"), new("form", "2")]);

        Assert.Equal(200, created.Status);
        Assert.Contains("Call list #4 was created with 2 participants.", created.StatusText, StringComparison.Ordinal);
        var add = Assert.Single(await app.Control.RequestsAsync(manager.Portal), r => r.Method == "crm.calllist.add");
        Assert.Equal("CONTACT", (string)add.Params!["ENTITY_TYPE"]!);
        Assert.Equal([4, 7], add.Params["ENTITIES"]!.AsArray().Select(n => (int)n!));
        Assert.Equal(2, (int)add.Params["WEBFORM_ID"]!);
    }
}
