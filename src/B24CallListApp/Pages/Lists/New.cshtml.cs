using System.Globalization;
using B24CallListApp.CallLists;
using Microsoft.AspNetCore.Mvc;

namespace B24CallListApp.Pages.Lists;

/// <summary>
/// <c>/lists/new</c>: a new call list: its kind, its first participants from the picker, and an
/// optional form. <c>crm.calllist.add</c> is never repeated blindly (see <see cref="CallListSaver.CreateAsync"/>).
/// </summary>
public sealed class NewModel(WorkspaceServices workspace, CallListReads reads, CrmSearch crm, SegmentReferences segments, CallListSaver saver) : SessionPageModel(workspace)
{
    public const string Purpose = "new";

    public PickerPart? Picker { get; private set; }

    public IReadOnlyList<CrmForm>? Forms { get; private set; }

    public int? CreatedListId { get; private set; }

    public FormPickerPart FormPicker => new(Forms, null, "new-form");

    [BindProperty]
    public FormChoiceInput FormChoice { get; set; } = new();

    [BindProperty]
    public PickerInput Input { get; set; } = new();

    /// <summary>The kind of the new list (CONTACT or COMPANY; anything else reads as contacts).</summary>
    [BindProperty(Name = "type")]
    public string? Type { get; set; }

    /// <summary>The kind the page showed when the user posted it.</summary>
    [BindProperty(Name = "typeShown")]
    public string? TypeShown { get; set; }

    /// <summary>What the picker posted; null when a value is not one it offers.</summary>
    PickerForm? Picked => ModelState.IsValid ? Input.Form : null;

    public Task<IActionResult> OnPostAsync() => ShowAsync(Picked);

    public async Task<IActionResult> OnPostResultsAsync()
    {
        await ShowAsync(Picked);
        return Partial("_SearchResults", Picker);
    }

    public Task<IActionResult> OnPostCreateAsync() => CreateAsync(all: false);

    public Task<IActionResult> OnPostCreateAllAsync() => CreateAsync(all: true);

    async Task<IActionResult> CreateAsync(bool all)
    {
        var form = Picked;
        if (form is null || !HasValidFormToken(Purpose))
        {
            Refuse(400, form is null ? "InvalidInput" : "FormExpired");
            return await ShowAsync(form);
        }

        var kind = Kind();
        var ids = all ? await crm.MatchingIdsAsync(Session.Actor, kind, form.Query, HttpContext.RequestAborted) : form.Selected;
        // Left as shown, the selector means no form for a new list.
        var result = await saver.CreateAsync(Session.Actor, kind, ids, FormChoice.Choice?.FormId, HttpContext.RequestAborted);
        Announce(result);
        CreatedListId = result.ListId;
        return await ShowAsync(result.Outcome == SaveOutcome.Saved ? form with { Selected = [] } : form);
    }

    async Task<IActionResult> ShowAsync(PickerForm? form)
    {
        form ??= PickerForm.Empty;
        var kind = Kind();
        // A change of kind starts the choice afresh: ids of contacts and contact types mean nothing among companies.
        if (!string.IsNullOrEmpty(TypeShown) && EntityKinds.Parse(TypeShown) != kind)
        {
            form = form with { Selected = [], Page = 1, Segment = Segment.None };
        }

        var forms = reads.FormsAsync(Session.Actor, HttpContext.RequestAborted);
        Picker = await PickerAsync(crm, segments, "/Lists/New", null, kind, form, new HashSet<int>());
        Forms = await forms;
        return Page();
    }

    EntityKind Kind() => EntityKinds.Parse(Type) ?? EntityKind.Contact;
}
