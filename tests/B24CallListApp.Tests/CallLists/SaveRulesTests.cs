using B24CallListApp.Bitrix24;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace B24CallListApp.Tests.CallLists;

/// <summary>
/// Saves lose nothing: each rule is checked by the exact <c>crm.calllist.update</c> the portal
/// received (ENTITIES and WEBFORM_ID), or by its absence where the save must be refused.
/// Demo seed: list 1 holds contacts 1–24 with form 3; list 2 companies 1–8 without a form; list 3
/// contacts 100–174 with form 1. User 2 (a manager) reads the contacts whose id % 3 == 1.
/// </summary>
public sealed class SaveRulesTests(AppFixture app) : IClassFixture<AppFixture>
{
    static readonly int[] ListOne = Enumerable.Range(1, 24).ToArray();

    async Task<WorkspaceClient> OpenAsync(int userId, string lang = "en") =>
        await WorkspaceClient.OpenAsync(app, await app.InstalledPortalAsync(), userId, lang);

    [Fact]
    public async Task Adding_sends_every_current_participant_plus_the_new_ones_and_keeps_the_form()
    {
        var admin = await OpenAsync(1);

        var page = await admin.AddSelectedAsync(1, [30, 33]);

        Assert.Equal(200, page.Status);
        Assert.Contains("Saved: 2 added, 0 removed.", page.StatusText, StringComparison.Ordinal);
        var update = Assert.Single(await admin.UpdatesAsync());
        Assert.Equal([.. ListOne, 30, 33], WorkspaceClient.Entities(update));
        Assert.Equal(3, WorkspaceClient.WebFormId(update));
        Assert.Equal("CONTACT", (string)update.Params!["ENTITY_TYPE"]!);
    }

    [Fact]
    public async Task Participants_hidden_from_the_user_are_kept_when_the_user_saves()
    {
        var manager = await OpenAsync(2);

        var page = await manager.AddSelectedAsync(1, [25]);

        Assert.Equal(200, page.Status);
        var update = Assert.Single(await manager.UpdatesAsync());
        // Sent as the manager, with every participant the manager cannot see still in the set.
        Assert.Equal(2, update.UserId);
        Assert.Equal([.. ListOne, 25], WorkspaceClient.Entities(update));
        Assert.Equal([.. ListOne, 25], await manager.ParticipantsAsync(1));
    }

    [Fact]
    public async Task Another_managers_change_between_page_load_and_save_survives()
    {
        var manager = await OpenAsync(2);
        var loaded = await manager.ListAsync(1);

        // Someone else adds contact 40 and changes the form while the page is open.
        var (status, _) = await PortalRest.CallAsync(manager.Portal, manager.Portal.Admin.AccessToken, "crm.calllist.update",
            new { LIST_ID = 1, ENTITY_TYPE = "CONTACT", ENTITIES = ListOne.Append(40).ToArray(), WEBFORM_ID = 2 });
        Assert.Equal(200, status);

        // The manager removes contact 4 with the page loaded before that change, form select untouched.
        var page = await manager.SaveListAsync(1, [4], loaded: loaded);

        Assert.Equal(200, page.Status);
        var update = (await manager.UpdatesAsync()).Last();
        Assert.Equal([.. ListOne.Where(id => id != 4), 40], WorkspaceClient.Entities(update));
        Assert.Equal(2, WorkspaceClient.WebFormId(update));
    }

    [Fact]
    public async Task Removing_sends_the_rest_and_keeps_the_form()
    {
        var manager = await OpenAsync(2);

        var page = await manager.SaveListAsync(1, [1, 4]);

        Assert.Contains("Saved: 0 added, 2 removed.", page.StatusText, StringComparison.Ordinal);
        var update = Assert.Single(await manager.UpdatesAsync());
        Assert.Equal(ListOne.Where(id => id is not (1 or 4)), WorkspaceClient.Entities(update));
        Assert.Equal(3, WorkspaceClient.WebFormId(update));
    }

    [Fact]
    public async Task The_form_changes_only_by_the_users_choice_and_no_form_is_an_explicit_choice()
    {
        var admin = await OpenAsync(1);

        var reassigned = await admin.SaveListAsync(1, [], form: "2");
        Assert.Contains("The CRM form is now “Callback request”.", reassigned.StatusText, StringComparison.Ordinal);
        var cleared = await admin.SaveListAsync(1, [], form: "none");
        Assert.Contains("The list has no CRM form now.", cleared.StatusText, StringComparison.Ordinal);
        var untouched = await admin.SaveListAsync(1, [], form: null);
        Assert.Contains("Nothing to save", untouched.StatusText, StringComparison.Ordinal);

        var updates = await admin.UpdatesAsync();
        Assert.Equal(2, updates.Count);
        Assert.Equal(2, WorkspaceClient.WebFormId(updates[0]));
        Assert.Equal(ListOne, WorkspaceClient.Entities(updates[0]));
        // "No form": the one save that leaves WEBFORM_ID out, and the participants stay.
        Assert.Null(WorkspaceClient.WebFormId(updates[1]));
        Assert.Equal(ListOne, WorkspaceClient.Entities(updates[1]));
        Assert.Null((await admin.ListStateAsync(1)).WebFormId);
    }

    [Fact]
    public async Task A_typed_form_id_the_portal_does_not_have_is_refused_before_anything_is_sent()
    {
        var admin = await OpenAsync(1);

        var page = await admin.SaveListAsync(1, [], formId: "777");

        Assert.Equal(400, page.Status);
        Assert.Contains("There is no CRM form #777", page.AlertText, StringComparison.Ordinal);
        Assert.Empty(await admin.UpdatesAsync());
    }

    [Fact]
    public async Task A_save_that_would_empty_the_list_is_refused()
    {
        var admin = await OpenAsync(1);

        var page = await admin.SaveListAsync(2, Enumerable.Range(1, 8));

        Assert.Equal(400, page.Status);
        Assert.Contains("cannot be left empty", page.AlertText, StringComparison.Ordinal);
        Assert.Empty(await admin.UpdatesAsync());
    }

    [Fact]
    public async Task Removing_a_participant_the_user_cannot_see_is_refused()
    {
        var manager = await OpenAsync(2);

        // Contact 3 belongs to user 1: not on the manager's page, so only a tampered form can name it.
        var page = await manager.SaveListAsync(1, [3]);

        Assert.Equal(400, page.Status);
        Assert.Contains("only remove participants you can see", page.AlertText, StringComparison.Ordinal);
        Assert.Empty(await manager.UpdatesAsync());
    }

    [Theory]
    [InlineData(1, 9999)]
    [InlineData(2, 250)]
    public async Task Ids_that_are_not_records_of_the_lists_kind_are_refused(int listId, int entityId)
    {
        var admin = await OpenAsync(1);

        var page = await admin.AddSelectedAsync(listId, [entityId]);

        Assert.Equal(400, page.Status);
        Assert.Contains(listId == 1 ? "are not contacts of this portal" : "are not companies of this portal", page.AlertText, StringComparison.Ordinal);
        Assert.Empty(await admin.UpdatesAsync());
    }

    [Fact]
    public async Task When_no_administrator_account_works_a_save_is_refused_and_nothing_is_sent()
    {
        var manager = await OpenAsync(2);
        var store = app.Factory.Services.GetRequiredService<IBitrix24TokenStore>();
        var adminTokens = (await store.GetAsync(new AccountKey(manager.Portal.MemberId, 1), default))!;
        await app.Control.RefreshAsync(adminTokens.RefreshToken);
        await app.Control.ExpireAsync(adminTokens.AccessToken);

        var page = await manager.AddSelectedAsync(1, [25]);

        Assert.Equal(409, page.Status);
        Assert.Contains("Ask an administrator to open the app once", page.AlertText, StringComparison.Ordinal);
        Assert.Empty(await manager.UpdatesAsync());
    }

    [Fact]
    public async Task Concurrent_saves_to_one_list_each_keep_the_others_additions()
    {
        var portal = await app.InstalledPortalAsync();
        var admin = await WorkspaceClient.OpenAsync(app, portal, 1);
        var manager = await WorkspaceClient.OpenAsync(app, portal, 2);

        var pages = await Task.WhenAll(admin.AddSelectedAsync(1, [30]), manager.AddSelectedAsync(1, [25]), admin.AddSelectedAsync(1, [33]));

        Assert.All(pages, p => Assert.Equal(200, p.Status));
        Assert.Equal([.. ListOne, 25, 30, 33], (await admin.ParticipantsAsync(1)).Order());
    }

    [Fact]
    public async Task A_save_after_the_access_token_expired_refreshes_and_succeeds()
    {
        var manager = await OpenAsync(2);
        var store = app.Factory.Services.GetRequiredService<IBitrix24TokenStore>();
        await app.Control.ExpireAsync((await store.GetAsync(new AccountKey(manager.Portal.MemberId, 2), default))!.AccessToken);
        await app.Control.ExpireAsync((await store.GetAsync(new AccountKey(manager.Portal.MemberId, 1), default))!.AccessToken);

        var page = await manager.AddSelectedAsync(1, [25]);

        Assert.Equal(200, page.Status);
        Assert.Equal([.. ListOne, 25], await manager.ParticipantsAsync(1));
    }

    [Fact]
    public async Task A_503_on_the_update_is_retried_and_the_save_goes_through_once()
    {
        var admin = await OpenAsync(1);
        await app.Control.FaultAsync(admin.Portal, new(Method: "crm.calllist.update", Count: 1, Status: 503, Error: "OVERLOAD_LIMIT"));

        var page = await admin.AddSelectedAsync(1, [30]);

        Assert.Equal(200, page.Status);
        var updates = await admin.UpdatesAsync();
        Assert.Equal([503, 200], updates.Select(u => u.Status));
        Assert.All(updates, u => Assert.Equal([.. ListOne, 30], WorkspaceClient.Entities(u)));
    }

    [Fact]
    public async Task Faults_on_reading_the_participants_are_retried_and_a_read_that_keeps_failing_sends_nothing()
    {
        var admin = await OpenAsync(1);
        await app.Control.FaultAsync(admin.Portal, new(Method: "batch", Count: 1, Status: 503, Error: "OVERLOAD_LIMIT"));
        var retried = await admin.AddSelectedAsync(1, [30]);
        Assert.Equal(200, retried.Status);
        Assert.Equal([.. ListOne, 30], await admin.ParticipantsAsync(1));

        await app.Control.FaultAsync(admin.Portal, new(Method: "crm.calllist.items.get", Count: 500, Status: 500, Error: "INTERNAL_SERVER_ERROR"));
        var picker = await admin.PostAsync("lists/1/add");
        Assert.Equal(503, picker.Status);
        Assert.Equal("PortalUnreachable", picker.MessageKey);
        Assert.Single(await admin.UpdatesAsync());
        Assert.Equal([.. ListOne, 30], await admin.ParticipantsAsync(1));
    }

    [Fact]
    public async Task An_update_that_keeps_failing_leaves_the_list_as_it_was_and_says_so()
    {
        var admin = await OpenAsync(1);
        await app.Control.FaultAsync(admin.Portal, new(Method: "crm.calllist.update", Count: 10, Status: 500, Error: "INTERNAL_SERVER_ERROR"));

        var page = await admin.AddSelectedAsync(1, [30]);

        Assert.Equal(503, page.Status);
        Assert.Contains("did not save the change", page.AlertText, StringComparison.Ordinal);
        Assert.Equal(ListOne, await admin.ParticipantsAsync(1));
        Assert.Equal(3, (await admin.ListStateAsync(1)).WebFormId);
    }

    [Fact]
    public async Task An_update_that_committed_but_timed_out_is_read_back_and_reported_saved()
    {
        var (instance, admin) = await OwnInstanceAsync(1, new() { ["Bitrix24:RequestTimeout"] = "00:00:02", ["Bitrix24:MaxRetries"] = "0" });
        await using var _ = instance;
        var picker = await admin.PostAsync("lists/1/add");
        await app.Control.FaultAsync(admin.Portal, new(Method: "crm.calllist.update", Count: 1, Mode: "commitThenHang"));

        var page = await admin.PostAsync("lists/1/add?handler=addselected", [new("__form", picker.FormTokenFor("add:1")!), new("selected", "30")]);

        Assert.Equal(200, page.Status);
        Assert.Contains("Saved: 1 added", page.StatusText, StringComparison.Ordinal);
        Assert.Single(await admin.UpdatesAsync());
        Assert.Equal([.. ListOne, 30], await admin.ParticipantsAsync(1));
    }

    [Fact]
    public async Task A_create_whose_answer_was_lost_is_found_instead_of_created_twice()
    {
        var (instance, manager) = await OwnInstanceAsync(2, new() { ["Bitrix24:RequestTimeout"] = "00:00:02" });
        await using var _ = instance;
        var form = await manager.PostAsync("lists/new");
        await app.Control.FaultAsync(manager.Portal, new(Method: "crm.calllist.add", Count: 1, Mode: "commitThenDrop"));

        var page = await manager.PostAsync("lists/new?handler=create", [new("__form", form.FormTokenFor("new")!), new("type", "CONTACT"), new("selected", "4"), new("selected", "7"), new("form", "none")]);

        Assert.Equal(200, page.Status);
        Assert.Contains("Call list #4 was created with 2 participants.", page.StatusText, StringComparison.Ordinal);
        Assert.Single(await app.Control.RequestsAsync(manager.Portal), r => r.Method == "crm.calllist.add");
        Assert.Equal(4, (await app.Control.GetPortalAsync(manager.Portal)).CallLists.Count);
    }

    [Fact]
    public async Task A_create_whose_answer_was_lost_and_cannot_be_found_is_reported_unknown_not_failed()
    {
        var (instance, manager) = await OwnInstanceAsync(2, new() { ["Bitrix24:RequestTimeout"] = "00:00:02" });
        await using var _ = instance;
        var form = await manager.PostAsync("lists/new");
        await app.Control.FaultAsync(manager.Portal, new(Method: "crm.calllist.add", Count: 1, Mode: "commitThenDrop"));
        // The look for the list that may have been created fails too (the first crm.calllist.list, before the add, passes).
        await app.Control.FaultAsync(manager.Portal, new(Method: "crm.calllist.list", Skip: 1, Count: 20, Status: 500, Error: "INTERNAL_SERVER_ERROR"));

        var page = await manager.PostAsync("lists/new?handler=create", [new("__form", form.FormTokenFor("new")!), new("type", "CONTACT"), new("selected", "4"), new("form", "none")]);

        Assert.Equal(503, page.Status);
        Assert.Contains("did not confirm that the list was created", page.AlertText, StringComparison.Ordinal);
        Assert.Single(await app.Control.RequestsAsync(manager.Portal), r => r.Method == "crm.calllist.add");
    }

    [Fact]
    public async Task A_portal_whose_bucket_another_app_spent_still_answers_the_user()
    {
        var (instance, admin) = await OwnInstanceAsync(1, new() { ["Bitrix24:RateLimit:BurstLimit"] = "50", ["Bitrix24:RateLimit:RequestsPerSecond"] = "2" });
        await using var _ = instance;
        await app.Control.SetLimitsAsync(admin.Portal, drainPerSecond: 2, capacity: 50);
        await app.Control.LoadAsync(admin.Portal, 50);

        var page = await admin.AddSelectedAsync(1, [30]);

        Assert.Equal(200, page.Status);
        Assert.Contains("Saved: 1 added", page.StatusText, StringComparison.Ordinal);
        Assert.Contains(await app.Control.RequestsAsync(admin.Portal), r => r.Status == 503);
    }

    /// <summary>An app instance with settings of the test's own, a portal installed in it, and a user's workspace there.</summary>
    async Task<(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> Instance, WorkspaceClient Client)> OwnInstanceAsync(int userId, Dictionary<string, string?> settings)
    {
        var instance = app.CreateApp(settings: settings);
        var url = AppFixture.AddressOf(instance);
        var portal = await app.Control.CreatePortalAsync(app: new() { InstallUrl = url + "install", HandlerUrl = url.ToString() });
        await app.Control.InstallAsync(portal, new(Finish: true));
        return (instance, await WorkspaceClient.OpenAsync(app, portal, userId, appUrl: url));
    }
}
