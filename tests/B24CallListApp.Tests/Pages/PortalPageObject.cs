using Microsoft.Playwright;
using TestSupport;

namespace B24CallListApp.Tests.Pages;

/// <summary>The emulated portal's page in the browser, with the app in its iframe.</summary>
public sealed class PortalPageObject(IPage page, EmulatedPortal portal)
{
    public IPage Page { get; } = page;

    public EmulatedPortal Portal { get; } = portal;

    public IFrameLocator App => Page.Locator("iframe[name]").First.ContentFrame;

    public ILocator Heading => App.GetByRole(AriaRole.Heading, new() { Level = 1 });

    public ILocator SignedInUser => App.Locator("[data-user]");

    public ILocator CallListRows => App.Locator("tr[data-list-id]");

    public ILocator Message => App.Locator("[data-message]");

    /// <summary>What the page announces as a success (role="status"; the picker's count of matches is another status region).</summary>
    public ILocator Status => App.GetByRole(AriaRole.Status).And(App.Locator("[data-outcome-status]"));

    /// <summary>What the page announces as a refusal or error (role="alert").</summary>
    public ILocator Alert => App.GetByRole(AriaRole.Alert);

    /// <summary>
    /// Waits until the page in the frame has its script's handlers (links that post the session, search as
    /// you type) and has settled in the portal (the frame's height, the portal's scroll to an outcome): a
    /// browser can show the page, and be clicked, a moment before its script has run or while it still moves.
    /// </summary>
    public Task ReadyAsync() => Assertions.Expect(App.Locator("html[data-app-ready][data-frame-settled]")).ToHaveCountAsync(1);

    public async Task OpenAsync(int userId, string lang = "en", string? placement = null, string? options = null) =>
        await Page.GotoAsync($"http://{Portal.Domain}/?user={userId}&lang={lang}"
            + (placement is null ? "" : $"&placement={placement}&options={Uri.EscapeDataString(options ?? "")}"));

    public CallListsPageObject CallLists => new(this);

    public CallListPageObject CallList => new(this);

    public PickerPageObject Picker => new(this);
}

/// <summary>The call lists page, by the names the UI contract gives its parts.</summary>
public sealed class CallListsPageObject(PortalPageObject portal)
{
    public ILocator Table => portal.App.GetByRole(AriaRole.Table, new() { Name = "Call lists" });

    public ILocator NewCallList => portal.App.GetByRole(AriaRole.Button, new() { Name = "New call list" });

    public ILocator Link(int listId) => portal.App.GetByRole(AriaRole.Link, new() { Name = $"Call list #{listId}", Exact = true });

    public async Task<CallListPageObject> OpenAsync(int listId)
    {
        await portal.ReadyAsync();
        await Link(listId).ClickAsync();
        await Assertions.Expect(portal.Heading).ToHaveTextAsync($"Call list #{listId}");
        await portal.ReadyAsync();
        return portal.CallList;
    }
}

/// <summary>One call list: participants, removal, the form, save.</summary>
public sealed class CallListPageObject(PortalPageObject portal)
{
    public ILocator Participants => portal.App.GetByRole(AriaRole.Table, new() { Name = "Participants" });

    public ILocator Participant(string name) => Participants.GetByRole(AriaRole.Checkbox, new() { Name = name, Exact = true });

    public ILocator AddParticipants => portal.App.GetByRole(AriaRole.Button, new() { Name = "Add participants" });

    public ILocator RemoveSelected => portal.App.GetByRole(AriaRole.Button, new() { Name = "Remove selected" });

    public ILocator CrmForm => portal.App.GetByRole(AriaRole.Combobox, new() { Name = "CRM form" });

    public ILocator Save => portal.App.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true });

    public async Task<PickerPageObject> AddAsync()
    {
        await AddParticipants.ClickAsync();
        await Assertions.Expect(portal.Heading).ToHaveTextAsync("Add participants");
        await portal.ReadyAsync();
        return portal.Picker;
    }
}

/// <summary>The picker: search, results, select, add.</summary>
public sealed class PickerPageObject(PortalPageObject portal)
{
    public ILocator Search => portal.App.GetByRole(AriaRole.Searchbox, new() { Name = "Search" });

    public ILocator Results => portal.App.GetByRole(AriaRole.Table, new() { Name = "Search results" });

    public ILocator Result(string name) => Results.GetByRole(AriaRole.Checkbox, new() { Name = name, Exact = true });

    public ILocator AddSelected => portal.App.GetByRole(AriaRole.Button, new() { Name = "Add selected" });

    public ILocator AddAllMatching => portal.App.GetByRole(AriaRole.Button, new() { Name = "Add all matching" });

    public ILocator Responsible => portal.App.GetByRole(AriaRole.Combobox, new() { Name = "Responsible", Exact = true });

    public ILocator Type => portal.App.GetByRole(AriaRole.Combobox, new() { Name = "Type", Exact = true });

    public ILocator CompanyType => portal.App.GetByRole(AriaRole.Combobox, new() { Name = "Company type", Exact = true });

    public ILocator Source => portal.App.GetByRole(AriaRole.Combobox, new() { Name = "Source", Exact = true });

    /// <summary>The company field: a list of the companies, or where there are too many, a combobox that finds them as you type.</summary>
    public ILocator Company => portal.App.GetByRole(AriaRole.Combobox, new() { Name = "Company", Exact = true });

    /// <summary>The company combobox's suggestions.</summary>
    public ILocator CompanySuggestions => portal.App.GetByRole(AriaRole.Listbox, new() { Name = "Companies" }).GetByRole(AriaRole.Option);

    public ILocator CreatedFrom => portal.App.GetByLabel("Created from", new() { Exact = true });

    public ILocator CreatedTo => portal.App.GetByLabel("Created to", new() { Exact = true });

    public ILocator HasPhone => portal.App.GetByRole(AriaRole.Checkbox, new() { Name = "Has phone", Exact = true });

    public ILocator ApplyFilter => portal.App.GetByRole(AriaRole.Button, new() { Name = "Apply filter" });

    public ILocator ClearFilter => portal.App.GetByRole(AriaRole.Button, new() { Name = "Clear filter" });

    /// <summary>The count of matches (a role="status" region), with the search and segment it counts in <c>data-query</c> and <c>data-segment</c>.</summary>
    public ILocator Found => portal.App.GetByRole(AriaRole.Status).And(portal.App.Locator("[data-match-count]"));

    /// <summary>Types as a user does and waits until the results are those of what was typed.</summary>
    public async Task SearchAsync(string text)
    {
        await portal.ReadyAsync();
        await Search.FillAsync(text);
        await Assertions.Expect(Found).ToHaveAttributeAsync("data-query", text);
    }
}
