using System.Globalization;
using System.Text.Json.Nodes;
using B24CallListApp.Bitrix24;
using Deque.AxeCore.Playwright;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TestSupport;

namespace B24CallListApp.Tests.Pages;

/// <summary>
/// The workspace in Debian's Chromium, inside the emulated portal's cross-site iframe, driven by the
/// names the UI contract gives its parts. Demo seed: list 1 holds contacts 1–24 with form 3; the
/// manager (user 2) reads the contacts whose id % 3 == 1.
/// </summary>
public sealed class WorkspaceBrowserTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    static readonly int[] ListOne = Enumerable.Range(1, 24).ToArray();

    Task<EmulatedPortal> PortalAsync() => app.InstalledPortalAsync();

    Task<PortalPageObject> OpenAsync(EmulatedPortal portal, int userId, string lang = "en", int width = 1280) => app.OpenAsync(portal, userId, lang, width);

    Task<IBrowserContext> NewContextAsync(int width = 1280) => app.NewContextAsync(width);

    async Task<string> NameAsync(EmulatedPortal portal, int contactId)
    {
        var (_, answer) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list", new { filter = new { ID = contactId }, select = new[] { "NAME", "LAST_NAME", "PHONE" } });
        return $"{answer["result"]![0]!["NAME"]} {answer["result"]![0]!["LAST_NAME"]}";
    }

    async Task<JsonNode> ContactAsync(EmulatedPortal portal, int contactId) =>
        (await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list", new { filter = new { ID = contactId }, select = new[] { "NAME", "LAST_NAME", "PHONE" } })).Body["result"]![0]!;

    Task<IReadOnlyList<int>> ParticipantsAsync(EmulatedPortal portal, int listId) => app.ParticipantsAsync(portal, listId);

    async Task<int?> FormOfAsync(EmulatedPortal portal, int listId) =>
        (await app.Control.CallListAsync(portal, listId)).WebFormId;

    [Fact]
    public async Task A_manager_browses_searches_by_name_and_adds_a_contact()
    {
        var portal = await PortalAsync();
        var ui = await OpenAsync(portal, 2);
        await Assertions.Expect(ui.CallLists.Table).ToBeVisibleAsync();
        await Assertions.Expect(ui.SignedInUser).ToHaveTextAsync("Maria Petrova");
        var name = await NameAsync(portal, 25);

        var list = await ui.CallLists.OpenAsync(1);
        await Assertions.Expect(list.Participants.GetByRole(AriaRole.Checkbox)).ToHaveCountAsync(ListOne.Count(id => id % 3 == 1));
        var picker = await list.AddAsync();
        await picker.SearchAsync(name.Split(' ')[1]);
        await picker.Result(name).First.CheckAsync();
        await picker.AddSelected.ClickAsync();

        await Assertions.Expect(ui.Status).ToContainTextAsync("Saved: 1 added, 0 removed.");
        Assert.Equal([.. ListOne, 25], await ParticipantsAsync(portal, 1));
        Assert.Empty(await ui.Page.Context.CookiesAsync());
    }

    [Fact]
    public async Task Search_by_phone_finds_the_contact_and_marks_what_is_already_in_the_list()
    {
        var portal = await PortalAsync();
        var ui = await OpenAsync(portal, 1);
        var contact = await ContactAsync(portal, 7);
        var picker = await (await ui.CallLists.OpenAsync(1)).AddAsync();

        await picker.SearchAsync((string)contact["PHONE"]![0]!["VALUE"]!);

        var row = picker.Result($"{contact["NAME"]} {contact["LAST_NAME"]}");
        await Assertions.Expect(row).ToBeDisabledAsync();
        await Assertions.Expect(picker.Results).ToContainTextAsync("Already in the list");
    }

    [Fact]
    public async Task Add_all_matching_adds_every_match_and_shows_its_progress()
    {
        var portal = await PortalAsync();
        var ui = await OpenAsync(portal, 1);
        var picker = await (await ui.CallLists.OpenAsync(1)).AddAsync();
        await picker.SearchAsync("Petrov");
        var found = int.Parse((await picker.Found.GetAttributeAsync("data-found"))!, CultureInfo.InvariantCulture);
        Assert.True(found > 3);
        var (_, petrovs) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list", new { filter = new Dictionary<string, string> { ["%LAST_NAME"] = "Petrov" }, select = new[] { "ID" } });
        var expected = petrovs["result"]!.AsArray().Select(r => int.Parse((string)r!["ID"]!, CultureInfo.InvariantCulture)).ToList();

        await picker.AddAllMatching.ClickAsync();

        await Assertions.Expect(ui.Status).ToContainTextAsync($"Saved: {expected.Count(id => !ListOne.Contains(id))} added");
        Assert.All(expected, id => Assert.Contains(id, ParticipantsAsync(portal, 1).Result));
    }

    [Fact]
    public async Task A_long_list_pages_through_its_participants()
    {
        var portal = await PortalAsync();
        var ui = await OpenAsync(portal, 1);
        var list = await ui.CallLists.OpenAsync(3);
        var pages = ui.App.GetByRole(AriaRole.Navigation, new() { Name = "Pages" });
        await Assertions.Expect(pages).ToContainTextAsync("Page 1 of 2");

        await pages.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();

        await Assertions.Expect(pages).ToContainTextAsync("Page 2 of 2");
        await Assertions.Expect(list.Participants.GetByRole(AriaRole.Checkbox)).ToHaveCountAsync(25);
        await ui.ReadyAsync();
        await pages.GetByRole(AriaRole.Link, new() { Name = "Previous page" }).ClickAsync();
        await Assertions.Expect(pages).ToContainTextAsync("Page 1 of 2");
    }

    [Fact]
    public async Task Removing_selected_participants_takes_effect_on_save()
    {
        var portal = await PortalAsync();
        var ui = await OpenAsync(portal, 1);
        var list = await ui.CallLists.OpenAsync(1);
        var (first, second) = (await NameAsync(portal, 2), await NameAsync(portal, 5));

        await list.Participant(first).CheckAsync();
        await list.Participant(second).CheckAsync();
        await list.RemoveSelected.ClickAsync();
        await Assertions.Expect(ui.Status).ToContainTextAsync("2 selected participants will be removed when you save.");
        // Said, without taking the user away from where they are: "Save" is what they do next.
        await Assertions.Expect(list.RemoveSelected).ToBeFocusedAsync();
        Assert.Equal(ListOne, await ParticipantsAsync(portal, 1));
        await list.Save.ClickAsync();

        await Assertions.Expect(ui.Status).ToContainTextAsync("Saved: 0 added, 2 removed.");
        Assert.Equal(ListOne.Where(id => id is not (2 or 5)), await ParticipantsAsync(portal, 1));
        Assert.Equal(3, await FormOfAsync(portal, 1));
    }

    [Fact]
    public async Task The_form_is_reassigned_and_cleared_only_by_the_users_choice()
    {
        var portal = await PortalAsync();
        var ui = await OpenAsync(portal, 1);
        var list = await ui.CallLists.OpenAsync(1);
        await Assertions.Expect(list.CrmForm).ToHaveValueAsync("3");
        var options = await list.CrmForm.Locator("option").AllInnerTextsAsync();
        Assert.Equal(["Contact form", "Callback request", "Call script: product demo", "No form"], options);

        await list.CrmForm.SelectOptionAsync(new SelectOptionValue { Label = "Callback request" });
        await list.Save.ClickAsync();
        // A save that changed only the form says so, and nothing about participants.
        await Assertions.Expect(ui.Status).ToHaveTextAsync("The CRM form is now “Callback request”.");
        Assert.Equal(2, await FormOfAsync(portal, 1));
        await ui.ReadyAsync();

        await list.CrmForm.SelectOptionAsync(new SelectOptionValue { Label = "No form" });
        await list.Save.ClickAsync();
        await Assertions.Expect(ui.Status).ToHaveTextAsync("The list has no CRM form now.");
        Assert.Null(await FormOfAsync(portal, 1));
        Assert.Equal(ListOne, await ParticipantsAsync(portal, 1));
    }

    [Fact]
    public async Task A_new_call_list_is_created_from_the_picker()
    {
        var portal = await PortalAsync();
        var ui = await OpenAsync(portal, 2);
        var name = await NameAsync(portal, 25);

        await ui.CallLists.NewCallList.ClickAsync();
        await Assertions.Expect(ui.Heading).ToHaveTextAsync("New call list");
        await ui.Picker.SearchAsync(name.Split(' ')[1]);
        await ui.Picker.Result(name).First.CheckAsync();
        await ui.App.GetByRole(AriaRole.Button, new() { Name = "Create call list" }).ClickAsync();

        await Assertions.Expect(ui.Status).ToContainTextAsync("Call list #4 was created with 1 participants.");
        Assert.Equal([25], await ParticipantsAsync(portal, 4));
    }

    [Fact]
    public async Task Two_users_adding_to_one_list_at_once_both_keep_their_additions()
    {
        var portal = await PortalAsync();
        var admin = await OpenAsync(portal, 1);
        var manager = await OpenAsync(portal, 2);
        var pickers = new[] { await (await admin.CallLists.OpenAsync(1)).AddAsync(), await (await manager.CallLists.OpenAsync(1)).AddAsync() };
        var names = new[] { await NameAsync(portal, 30), await NameAsync(portal, 25) };
        for (var i = 0; i < 2; i++)
        {
            await pickers[i].SearchAsync(names[i].Split(' ')[1]);
            await pickers[i].Result(names[i]).First.CheckAsync();
        }

        await Task.WhenAll(pickers.Select(p => p.AddSelected.ClickAsync()));

        await Assertions.Expect(admin.Status).ToContainTextAsync("Saved: 1 added");
        await Assertions.Expect(manager.Status).ToContainTextAsync("Saved: 1 added");
        Assert.Equal([.. ListOne, 25, 30], (await ParticipantsAsync(portal, 1)).Order());
    }

    [Fact]
    public async Task An_action_after_the_access_token_expired_refreshes_and_succeeds()
    {
        var portal = await PortalAsync();
        var ui = await OpenAsync(portal, 2);
        var list = await ui.CallLists.OpenAsync(1);
        var store = app.Factory.Services.GetRequiredService<IBitrix24TokenStore>();
        foreach (var userId in new[] { 1, 2 })
        {
            await app.Control.ExpireAsync((await store.GetAsync(new AccountKey(portal.MemberId, userId), default))!.AccessToken);
        }

        await list.Participant(await NameAsync(portal, 4)).CheckAsync();
        await list.RemoveSelected.ClickAsync();
        await list.Save.ClickAsync();

        await Assertions.Expect(ui.Status).ToContainTextAsync("Saved: 0 added, 1 removed.");
        Assert.DoesNotContain(4, await ParticipantsAsync(portal, 1));
    }

    [Fact]
    public async Task The_row_menu_placement_adds_its_contact_to_a_chosen_list()
    {
        var portal = await PortalAsync();
        await using var context = await NewContextAsync();
        var ui = new PortalPageObject(await context.NewPageAsync(), portal);

        await ui.OpenAsync(2, placement: "CRM_CONTACT_LIST_MENU", options: "{\"ID\":\"25\"}");

        await Assertions.Expect(ui.Heading).ToHaveTextAsync("Add to call list", new() { Timeout = 15_000 });
        await Assertions.Expect(ui.App.Locator("[data-entity]")).ToHaveTextAsync(await NameAsync(portal, 25));
        await ui.App.GetByRole(AriaRole.Combobox, new() { Name = "Call list" }).SelectOptionAsync("3");
        await ui.App.GetByRole(AriaRole.Button, new() { Name = "Add to call list" }).ClickAsync();
        await Assertions.Expect(ui.Status).ToContainTextAsync("Saved: 1 added");
        Assert.Contains(25, await ParticipantsAsync(portal, 3));
    }

    [Fact]
    public async Task The_row_menu_placement_opens_the_new_list_picker_with_its_contact_chosen()
    {
        var portal = await PortalAsync();
        await using var context = await NewContextAsync();
        var ui = new PortalPageObject(await context.NewPageAsync(), portal);
        var other = await NameAsync(portal, 28);
        await ui.OpenAsync(2, placement: "CRM_CONTACT_LIST_MENU", options: "{\"ID\":\"25\"}");
        await Assertions.Expect(ui.Heading).ToHaveTextAsync("Add to call list", new() { Timeout = 15_000 });

        await ui.App.GetByRole(AriaRole.Button, new() { Name = "Choose more records for a new list" }).ClickAsync();

        await Assertions.Expect(ui.Heading).ToHaveTextAsync("New call list");
        await Assertions.Expect(ui.App.GetByRole(AriaRole.Radio, new() { Name = "Contacts" })).ToBeCheckedAsync();
        await Assertions.Expect(ui.App.Locator("[data-selected-count]")).ToHaveTextAsync("1 selected");
        await ui.Picker.SearchAsync(other.Split(' ')[1]);
        await ui.Picker.Result(other).First.CheckAsync();
        await ui.App.GetByRole(AriaRole.Button, new() { Name = "Create call list" }).ClickAsync();

        await Assertions.Expect(ui.Status).ToContainTextAsync("Call list #4 was created with 2 participants.");
        Assert.Equal([25, 28], (await ParticipantsAsync(portal, 4)).Order());
    }

    [Fact]
    public async Task In_russian_the_pages_speak_russian()
    {
        var portal = await PortalAsync();
        var ui = await OpenAsync(portal, 2, lang: "ru");
        await Assertions.Expect(ui.App.GetByRole(AriaRole.Table, new() { Name = "Списки обзвона" })).ToBeVisibleAsync();
        await ui.App.GetByRole(AriaRole.Link, new() { Name = "Список обзвона #1" }).ClickAsync();

        await Assertions.Expect(ui.Heading).ToHaveTextAsync("Список обзвона #1");
        await Assertions.Expect(ui.App.GetByRole(AriaRole.Table, new() { Name = "Участники" })).ToBeVisibleAsync();
        await Assertions.Expect(ui.App.GetByRole(AriaRole.Combobox, new() { Name = "CRM-форма" })).ToBeVisibleAsync();
        await ui.App.GetByRole(AriaRole.Button, new() { Name = "Добавить участников" }).ClickAsync();
        await Assertions.Expect(ui.App.GetByRole(AriaRole.Searchbox, new() { Name = "Поиск" })).ToBeVisibleAsync();
        await Assertions.Expect(ui.App.GetByRole(AriaRole.Button, new() { Name = "Добавить всех найденных" })).ToBeVisibleAsync();
    }

    [Theory]
    [InlineData(400)]
    [InlineData(1640)]
    public async Task The_pages_fit_frames_from_400_to_1640_pixels_wide(int width)
    {
        var portal = await PortalAsync();
        var ui = await OpenAsync(portal, 1, width: width);
        await AssertFitsAsync(ui, width, "lists");
        var list = await ui.CallLists.OpenAsync(1);
        await AssertFitsAsync(ui, width, "list");
        await Assertions.Expect(list.Save).ToBeVisibleAsync();
        await list.AddAsync();
        await AssertFitsAsync(ui, width, "picker");
        await Assertions.Expect(ui.Picker.AddAllMatching).ToBeVisibleAsync();
    }

    async Task AssertFitsAsync(PortalPageObject ui, int width, string name)
    {
        // Wide tables scroll in their own box; the page itself never needs a sideways scroll.
        var overflow = await ui.App.Locator("html").EvaluateAsync<int>("html => html.scrollWidth - html.clientWidth");
        Assert.True(overflow <= 1, $"the {name} page overflows a {width} px frame by {overflow} px");
        await ui.Page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), $"b24calllist-{name}-{width}.png") });
    }

    [Fact]
    public async Task The_workspace_works_from_the_keyboard_alone()
    {
        var portal = await PortalAsync();
        var ui = await OpenAsync(portal, 1);
        var name = await NameAsync(portal, 30);

        await ui.CallLists.Link(1).FocusAsync();
        await ui.Page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(ui.Heading).ToHaveTextAsync("Call list #1");
        await ui.CallList.AddParticipants.FocusAsync();
        await ui.Page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(ui.Heading).ToHaveTextAsync("Add participants");
        await ui.Picker.Search.FocusAsync();
        await ui.Page.Keyboard.TypeAsync(name.Split(' ')[1]);
        await Assertions.Expect(ui.Picker.Found).ToHaveAttributeAsync("data-query", name.Split(' ')[1]);
        await ui.Picker.Result(name).First.FocusAsync();
        await ui.Page.Keyboard.PressAsync("Space");
        await ui.Picker.AddSelected.FocusAsync();
        await ui.Page.Keyboard.PressAsync("Enter");

        await Assertions.Expect(ui.Status).ToContainTextAsync("Saved: 1 added");
        Assert.Contains(30, await ParticipantsAsync(portal, 1));
    }

    [Fact]
    public async Task No_page_has_serious_or_critical_accessibility_violations()
    {
        var portal = await PortalAsync();
        var ui = await OpenAsync(portal, 1);
        var pages = new List<(string Name, Func<Task> Reach)>
        {
            ("call lists", () => Task.CompletedTask),
            ("call list", async () => await ui.CallLists.OpenAsync(1)),
            ("picker", async () => { await ui.CallList.AddAsync(); await ui.Picker.SearchAsync("Ivanova"); }),
        };
        var violations = new List<string>();
        foreach (var (name, reach) in pages)
        {
            await reach();
            var result = await ui.App.Locator("html").RunAxe();
            Assert.NotEmpty(result.Passes);
            violations.AddRange(result.Violations.Where(v => v.Impact is "serious" or "critical")
                .Select(v => $"{name}: {v.Id} ({v.Impact}) at {string.Join(", ", v.Nodes.Select(n => n.Html))}"));
        }

        Assert.Empty(violations);
    }
}
