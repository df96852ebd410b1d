using System.Globalization;
using System.Text.Json.Nodes;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using TestSupport;

namespace B24CallListApp.Tests.Pages;

/// <summary>
/// The picker's segments in Chromium, inside the portal's frame: each control sends exactly its filter
/// to the portal, with the user's token, and the page shows what the portal found. Demo seed: list 1
/// holds contacts 1–24; 300 contacts, 40 companies.
/// </summary>
public sealed class SegmentBrowserTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    static readonly int[] ListOne = Enumerable.Range(1, 24).ToArray();

    public static TheoryData<string> ContactFilters => ["Responsible", "Type", "Source", "Company", "Created from", "Created to", "Has phone"];

    [Theory]
    [MemberData(nameof(ContactFilters))]
    public async Task Each_contact_filter_sends_its_filter_and_shows_what_the_portal_found(string control)
    {
        var portal = await app.InstalledPortalAsync();
        var ui = await app.OpenAsync(portal, 1);
        var picker = await (await ui.CallLists.OpenAsync(1)).AddAsync();
        var created = DateTimeOffset.Parse((string)(await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list",
            new { filter = new { ID = 18 }, select = new[] { "DATE_CREATE" } })).Body["result"]![0]!["DATE_CREATE"]!, CultureInfo.InvariantCulture);
        var day = created.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var company = (string)(await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.company.list",
            new { filter = new { ID = 7 }, select = new[] { "TITLE" } })).Body["result"]![0]!["TITLE"]!;

        var expected = control switch
        {
            "Responsible" => await Choose(picker.Responsible, "Maria Petrova", "=ASSIGNED_BY_ID", 2),
            "Type" => await Choose(picker.Type, "Clients", "=TYPE_ID", "CLIENT"),
            "Source" => await Choose(picker.Source, "Show/Exhibition", "=SOURCE_ID", "TRADE_SHOW"),
            "Company" => await Choose(picker.Company, company, "=COMPANY_ID", 7),
            "Created from" => await Fill(picker.CreatedFrom, day, ">=DATE_CREATE", day + "T00:00:00"),
            "Created to" => await Fill(picker.CreatedTo, day, "<=DATE_CREATE", day + "T23:59:59"),
            _ => await Check(picker.HasPhone, "HAS_PHONE", "Y"),
        };
        await picker.ApplyFilter.ClickAsync();

        await Assertions.Expect(picker.Found).ToHaveAttributeAsync("data-segment", expected.ToJsonString());
        var matching = await BrowserFixture.IdsAsync(portal, "crm.contact.list", expected);
        Assert.InRange(matching.Count, 1, 299);
        await Assertions.Expect(picker.Found).ToHaveAttributeAsync("data-found", matching.Count.ToString(CultureInfo.InvariantCulture));
        var sent = (await app.Control.RequestsAsync(portal)).Last(r => r.Method == "crm.contact.list" && r.Params?["filter"] is JsonObject { Count: > 0 } f && !f.ContainsKey("@ID"));
        Assert.Equal(Normalized(expected), Normalized(sent.Params!["filter"]!.AsObject()));
        Assert.Equal(1, sent.UserId);
    }

    [Fact]
    public async Task Where_there_are_too_many_companies_to_list_one_is_found_by_typing_and_chosen_with_the_keyboard()
    {
        var portal = await app.InstalledPortalAsync();
        Assert.Equal((41, 340), await app.Control.AddCompaniesAsync(portal, 300, "Zephyr"));
        await app.Control.AddContactsAsync(portal, 3, companyId: 77);
        var ui = await app.OpenAsync(portal, 1);
        var picker = await (await ui.CallLists.OpenAsync(1)).AddAsync();

        // "Zephyr 7" is in the titles of companies 70 to 79, offered in title order.
        await picker.Company.PressSequentiallyAsync("Zephyr 7");
        await Assertions.Expect(picker.CompanySuggestions).ToHaveCountAsync(10);
        await Assertions.Expect(picker.Company).ToHaveAttributeAsync("aria-expanded", "true");
        await Assertions.Expect(ui.App.Locator("[data-lookup-status]")).ToHaveTextAsync("10 found");
        for (var i = 0; i < 8; i++)
        {
            await picker.Company.PressAsync("ArrowDown");
        }

        await Assertions.Expect(picker.CompanySuggestions.Nth(7)).ToHaveAttributeAsync("aria-selected", "true");
        await Assertions.Expect(picker.CompanySuggestions.Nth(7)).ToHaveTextAsync("Zephyr 77");
        var axe = await ui.App.Locator("html").RunAxe();
        Assert.Empty(axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id} at {string.Join(", ", v.Nodes.Select(n => n.Html))}"));
        await picker.Company.PressAsync("Enter");

        await Assertions.Expect(picker.Found).ToHaveAttributeAsync("data-segment", new JsonObject { ["=COMPANY_ID"] = 77 }.ToJsonString());
        await Assertions.Expect(picker.Found).ToHaveAttributeAsync("data-found", "3");
        await Assertions.Expect(picker.Company).ToHaveValueAsync("Zephyr 77");
        await Assertions.Expect(picker.Company).ToHaveAttributeAsync("aria-expanded", "false");
        await Assertions.Expect(picker.Company).ToBeFocusedAsync();

        // Emptied, the field lifts the filter.
        await picker.Company.FillAsync("");
        await Assertions.Expect(picker.Found).ToHaveAttributeAsync("data-segment", "{}");
        await Assertions.Expect(picker.Found).ToHaveAttributeAsync("data-found", "303");
        Assert.All((await app.Control.RequestsAsync(portal)).Where(r => r.Method == "crm.company.list"), r => Assert.Equal(1, r.UserId));
    }

    [Fact]
    public async Task Company_type_filters_companies_on_the_new_list_page()
    {
        var portal = await app.InstalledPortalAsync();
        var ui = await app.OpenAsync(portal, 1);
        await ui.CallLists.NewCallList.ClickAsync();
        await Assertions.Expect(ui.Heading).ToHaveTextAsync("New call list");
        await ui.ReadyAsync();
        await ui.App.GetByRole(AriaRole.Radio, new() { Name = "Companies" }).CheckAsync();
        await Assertions.Expect(ui.Picker.CompanyType).ToBeVisibleAsync();
        await Assertions.Expect(ui.Picker.Source).ToHaveCountAsync(0);

        await ui.Picker.CompanyType.SelectOptionAsync(new SelectOptionValue { Label = "Partner" });
        await ui.Picker.ApplyFilter.ClickAsync();

        var filter = new JsonObject { ["=COMPANY_TYPE"] = "PARTNER" };
        await Assertions.Expect(ui.Picker.Found).ToHaveAttributeAsync("data-segment", filter.ToJsonString());
        var partners = await BrowserFixture.IdsAsync(portal, "crm.company.list", filter);
        await Assertions.Expect(ui.Picker.Found).ToHaveAttributeAsync("data-found", partners.Count.ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(ui.Picker.Results.GetByRole(AriaRole.Checkbox)).ToHaveCountAsync(partners.Count);
    }

    [Fact]
    public async Task A_segment_survives_paging_and_add_all_matching_adds_exactly_its_records()
    {
        var portal = await app.InstalledPortalAsync();
        var ui = await app.OpenAsync(portal, 1);
        var picker = await (await ui.CallLists.OpenAsync(1)).AddAsync();
        await picker.HasPhone.CheckAsync();
        await picker.ApplyFilter.ClickAsync();
        var filter = new JsonObject { ["HAS_PHONE"] = "Y" };
        await Assertions.Expect(picker.Found).ToHaveAttributeAsync("data-segment", filter.ToJsonString());

        // Paging posts the form: the segment comes back with the next page.
        await ui.App.GetByRole(AriaRole.Button, new() { Name = "Next page" }).ClickAsync();
        await Assertions.Expect(ui.App.GetByRole(AriaRole.Navigation, new() { Name = "Pages" })).ToContainTextAsync("Page 2 of");
        await Assertions.Expect(picker.HasPhone).ToBeCheckedAsync();
        await Assertions.Expect(picker.Found).ToHaveAttributeAsync("data-segment", filter.ToJsonString());
        await ui.ReadyAsync();

        // Narrowed further, then everything it finds goes into the list.
        await picker.Type.SelectOptionAsync(new SelectOptionValue { Label = "Partners" });
        filter["=TYPE_ID"] = "PARTNER";
        await Assertions.Expect(picker.Found).ToHaveAttributeAsync("data-segment", new JsonObject { ["=TYPE_ID"] = "PARTNER", ["HAS_PHONE"] = "Y" }.ToJsonString());
        var expected = await BrowserFixture.IdsAsync(portal, "crm.contact.list", filter);
        await picker.AddAllMatching.ClickAsync();

        await Assertions.Expect(ui.Status).ToContainTextAsync($"Saved: {expected.Count(id => !ListOne.Contains(id))} added, 0 removed.");
        Assert.Equal(ListOne.Union(expected).Order(), (await app.ParticipantsAsync(portal, 1)).Order());
    }

    [Fact]
    public async Task Clear_filter_shows_every_record_again()
    {
        var portal = await app.InstalledPortalAsync();
        var ui = await app.OpenAsync(portal, 1);
        var picker = await (await ui.CallLists.OpenAsync(1)).AddAsync();
        await picker.Source.SelectOptionAsync(new SelectOptionValue { Label = "Website" });
        await Assertions.Expect(picker.Found).ToHaveAttributeAsync("data-segment", "{\"=SOURCE_ID\":\"WEB\"}");

        await picker.ClearFilter.ClickAsync();

        await Assertions.Expect(picker.Found).ToHaveAttributeAsync("data-segment", "{}");
        await Assertions.Expect(picker.Found).ToHaveAttributeAsync("data-found", "300");
        await Assertions.Expect(picker.Found).ToHaveTextAsync("300 found");
        await Assertions.Expect(picker.Source).ToHaveValueAsync("");
    }

    [Fact]
    public async Task A_manager_is_offered_the_portals_values_and_finds_only_what_they_may_read()
    {
        var portal = await app.InstalledPortalAsync(language: "ru");
        var ui = await app.OpenAsync(portal, 2, lang: "ru");
        await ui.App.GetByRole(AriaRole.Link, new() { Name = "Список обзвона #1" }).ClickAsync();
        await ui.App.GetByRole(AriaRole.Button, new() { Name = "Добавить участников" }).ClickAsync();
        var source = ui.App.GetByRole(AriaRole.Combobox, new() { Name = "Источник" });
        await source.SelectOptionAsync(new SelectOptionValue { Label = "Выставка" });
        await ui.App.GetByRole(AriaRole.Button, new() { Name = "Применить фильтр" }).ClickAsync();

        var filter = new JsonObject { ["=SOURCE_ID"] = "TRADE_SHOW" };
        await Assertions.Expect(ui.Picker.Found).ToHaveAttributeAsync("data-segment", filter.ToJsonString());
        var reads = (await app.Control.RequestsAsync(portal)).Where(r => r.Method is "crm.status.list" or "user.get" or "crm.contact.list").ToList();
        Assert.All(reads, r => Assert.Equal(2, r.UserId));
        Assert.Contains(reads, r => r.Method == "crm.status.list");
        // The manager reads the contacts whose id % 3 == 1: the count is theirs, never the administrator's.
        var readable = (await BrowserFixture.IdsAsync(portal, "crm.contact.list", filter)).Count(id => id % 3 == 1);
        await Assertions.Expect(ui.Picker.Found).ToHaveAttributeAsync("data-found", readable.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task The_outcome_of_add_selected_at_the_bottom_of_a_long_picker_is_in_view_and_focused()
    {
        var portal = await app.InstalledPortalAsync();
        await using var context = await app.NewContextAsync(height: 700);
        var ui = await app.OpenAsync(portal, 1, context: context);
        var picker = await (await ui.CallLists.OpenAsync(1)).AddAsync();
        await picker.Results.GetByRole(AriaRole.Checkbox, new() { Checked = false }).Last.CheckAsync();
        await picker.AddSelected.ScrollIntoViewIfNeededAsync();
        await Assertions.Expect(ui.Status).Not.ToBeInViewportAsync();

        await picker.AddSelected.ClickAsync();

        await Assertions.Expect(ui.Status).ToContainTextAsync("Saved: 1 added, 0 removed.");
        await Assertions.Expect(ui.Status).ToBeFocusedAsync();
        await Assertions.Expect(ui.Status).ToBeInViewportAsync();
    }

    [Fact]
    public async Task The_picker_with_its_filter_set_has_no_serious_accessibility_violations()
    {
        var portal = await app.InstalledPortalAsync();
        var ui = await app.OpenAsync(portal, 1);
        var picker = await (await ui.CallLists.OpenAsync(1)).AddAsync();
        await picker.Type.SelectOptionAsync(new SelectOptionValue { Label = "Clients" });
        await picker.HasPhone.CheckAsync();
        await picker.ApplyFilter.ClickAsync();
        await Assertions.Expect(picker.Found).ToHaveAttributeAsync("data-segment", "{\"=TYPE_ID\":\"CLIENT\",\"HAS_PHONE\":\"Y\"}");

        var result = await ui.App.Locator("html").RunAxe();

        Assert.NotEmpty(result.Passes);
        Assert.Empty(result.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id} at {string.Join(", ", v.Nodes.Select(n => n.Html))}"));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(640)]
    public async Task In_a_narrow_frame_rows_stack_and_no_value_is_cut(int width)
    {
        var portal = await app.InstalledPortalAsync();
        var ui = await app.OpenAsync(portal, 2, width: width);
        await ui.CallLists.OpenAsync(1);

        var cells = ui.CallList.Participants.Locator("tbody td");
        var cut = await cells.EvaluateAllAsync<string[]>("""
            cells => cells.flatMap(cell => {
              const frame = document.documentElement.clientWidth;
              const box = cell.getBoundingClientRect();
              const problems = [];
              if (cell.scrollWidth > cell.clientWidth + 1 || box.right > frame + 1) problems.push('cut: ' + cell.textContent.trim());
              for (const chip of cell.querySelectorAll('.chip')) {
                if (chip.scrollWidth > chip.clientWidth + 1 || chip.getBoundingClientRect().right > frame + 1) problems.push('chip cut: ' + chip.textContent);
              }
              if (cell.classList.contains('phone') && cell.textContent.trim() && cell.getClientRects().length === 1 && box.height > 40) problems.push('phone wraps: ' + cell.textContent.trim());
              return problems;
            })
            """);
        var stacked = await ui.CallList.Participants.Locator("tbody tr").First.EvaluateAsync<string>("row => getComputedStyle(row).display");

        Assert.Empty(cut);
        Assert.Equal("grid", stacked);
        await Assertions.Expect(ui.CallList.Participants.Locator(".chip").First).ToHaveTextAsync("In progress");
    }

    static async Task<JsonObject> Choose(ILocator select, string label, string key, JsonNode value)
    {
        await select.SelectOptionAsync(new SelectOptionValue { Label = label });
        return new JsonObject { [key] = value };
    }

    static async Task<JsonObject> Fill(ILocator input, string text, string key, string value)
    {
        await input.FillAsync(text);
        return new JsonObject { [key] = value };
    }

    static async Task<JsonObject> Check(ILocator box, string key, string value)
    {
        await box.CheckAsync();
        return new JsonObject { [key] = value };
    }

    /// <summary>A filter's keys and values as text: ids travel as numbers in one encoding and as strings in another.</summary>
    static SortedDictionary<string, string> Normalized(JsonObject filter) =>
        new(filter.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? ""), StringComparer.Ordinal);
}
