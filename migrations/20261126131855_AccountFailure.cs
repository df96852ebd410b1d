using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace B24CallListApp.Migrations
{
    /// <inheritdoc />
    public partial class AccountFailure : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "FailedAt",
                table: "Accounts",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Failure",
                table: "Accounts",
                type: "TEXT",
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "FailedAt",
                table: "Accounts");

            migrationBuilder.DropColumn(
                name: "Failure",
                table: "Accounts");
        }
    }
}
