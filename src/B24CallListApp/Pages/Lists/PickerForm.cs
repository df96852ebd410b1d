using System.ComponentModel.DataAnnotations;
using System.Globalization;
using B24CallListApp.CallLists;
using Microsoft.AspNetCore.Mvc;

namespace B24CallListApp.Pages.Lists;

/// <summary>What a picker form posts: the search, the segment, the page and the ids chosen so far.</summary>
public sealed record PickerForm(string? Text, Segment Segment, int Page, IReadOnlyCollection<int> Selected)
{
    /// <summary>The names of the picker's fields, shared by the page, its partials and its script.</summary>
    public static class Fields
    {
        public const string Text = "q";
        /// <summary>Not "page": Razor Pages keeps that route value for the page's own name.</summary>
        public const string Page = "pageNumber";
        public const string Selected = "selected";
        public const string Segment = "segment";
        public const string Responsible = "segment.responsible";
        public const string Type = "segment.type";
        public const string Source = "segment.source";
        public const string Company = "segment.company";
        public const string CreatedFrom = "segment.from";
        public const string CreatedTo = "segment.to";
        public const string HasPhone = "segment.phone";

        /// <summary>"Clear filter": the segment's fields are ignored and the page shows them empty.</summary>
        public const string Clear = "segment.clear";
    }

    public static readonly PickerForm Empty = new(null, Segment.None, 1, []);

    public CrmQuery Query => new(Text, Segment);
}

/// <summary>
/// The picker's fields as they are posted: bound by MVC on the pages (<c>[BindProperty]</c>, a value no page offers
/// is a model error), and by <see cref="BindAsync"/> for the <c>/api</c> "Add all matching".
/// </summary>
public sealed class PickerInput : IValidatableObject
{
    [FromForm(Name = PickerForm.Fields.Text)]
    public string? Text { get; set; }

    [FromForm(Name = PickerForm.Fields.Page)]
    public int? PageNumber { get; set; }

    [FromForm(Name = PickerForm.Fields.Selected)]
    [PositiveIds]
    public List<int> Selected { get; set; } = [];

    [FromForm(Name = PickerForm.Fields.Segment)]
    public SegmentInput Segment { get; set; } = new();

    /// <summary>
    /// The same fields for a minimal API, whose form mapping (shared with Blazor, not MVC's model binding)
    /// does not honour <c>[FromForm(Name)]</c> on properties. An id that is not a whole number reads as 0, which
    /// <see cref="Form"/> refuses like any id that is not positive.
    /// </summary>
    public static async ValueTask<PickerInput> BindAsync(HttpContext context)
    {
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : FormCollection.Empty;
        string? Field(string name) => form[name].ToString() is { Length: > 0 } value ? value : null;
        static int Whole(string? text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
        return new PickerInput
        {
            Text = Field(PickerForm.Fields.Text),
            PageNumber = Whole(Field(PickerForm.Fields.Page)),
            Selected = form[PickerForm.Fields.Selected].Select(Whole).ToList(),
            Segment = new SegmentInput
            {
                Responsible = Field(PickerForm.Fields.Responsible),
                Type = Field(PickerForm.Fields.Type),
                Source = Field(PickerForm.Fields.Source),
                Company = Field(PickerForm.Fields.Company),
                From = Field(PickerForm.Fields.CreatedFrom),
                To = Field(PickerForm.Fields.CreatedTo),
                Phone = Field(PickerForm.Fields.HasPhone),
                Clear = Field(PickerForm.Fields.Clear),
            },
        };
    }

    /// <summary>The picker's state; null when a value is not one the page offers (a tampered form).</summary>
    public PickerForm? Form
    {
        get
        {
            var segment = Segment.Value;
            return segment is null || Selected.Any(id => id <= 0)
                ? null
                : new PickerForm(Text, segment, PageNumber is > 0 and var page ? page : 1, Selected.Distinct().ToList());
        }
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Segment.Value is null)
        {
            yield return new ValidationResult("A segment value is not one the picker offers.", [nameof(Segment)]);
        }
    }
}

/// <summary>The segment's fields (<c>segment.*</c>): each a value the picker offered, or empty.</summary>
public sealed class SegmentInput
{
    public string? Responsible { get; set; }

    public string? Type { get; set; }

    public string? Source { get; set; }

    public string? Company { get; set; }

    public string? From { get; set; }

    public string? To { get; set; }

    public string? Phone { get; set; }

    /// <summary>"Clear filter": the other fields are ignored and the page shows them empty.</summary>
    public string? Clear { get; set; }

    /// <summary>The segment; null when a value is not one the picker offers.</summary>
    public Segment? Value => !string.IsNullOrEmpty(Clear) ? CallLists.Segment.None
        : CallLists.Segment.Parse(Responsible, Type, Source, Company, From, To, Phone);
}
