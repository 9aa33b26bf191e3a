using Xunit.Abstractions;
using Xunit.Sdk;

namespace Mailbox.Tests.TestKit;

/// <summary>
/// The end of the test's report of the faults nobody expected: the kit fails on them by default, lists them in the
/// order they were reported, and cuts the list at ten with a count of the rest.
/// </summary>
public sealed class FaultReportTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task DisposeAsync_TwoFaults_ListsBothInOrder()
    {
        var failure = await EndWithFaultsAsync(2);

        Assert.Equal(Header(2) + Listed(2), failure.Message);
    }

    [Fact]
    public async Task DisposeAsync_ExactlyTenFaults_ListsAllWithNoCount()
    {
        var failure = await EndWithFaultsAsync(10);

        Assert.Equal(Header(10) + Listed(10), failure.Message);
    }

    [Fact]
    public async Task DisposeAsync_ElevenFaults_ListsTenAndCountsOneMore()
    {
        var failure = await EndWithFaultsAsync(11);

        Assert.Equal(Header(11) + Listed(10) + "; and 1 more", failure.Message);
    }

    [Fact]
    public async Task DisposeAsync_ThirteenFaults_CountsTheThreeLeftOut()
    {
        var failure = await EndWithFaultsAsync(13);

        Assert.EndsWith("fault 9; and 3 more", failure.Message, StringComparison.Ordinal);
    }

    private static string Header(int count) =>
        $"{count} fault(s) of loops under test that the test did not expect (ExpectFaultAsync claims one): ";

    private static string Listed(int count) =>
        string.Join("; ", Enumerable.Range(0, count).Select(i => $"CallbackFaulted of loop 'faulty' (Stopped): System.FormatException: fault {i}"));

    /// <summary>Ends a kit of default settings (faults fail the test) whose one loop raised <paramref name="count"/> faults.</summary>
    private async Task<XunitException> EndWithFaultsAsync(int count)
    {
        using var kit = new KitUnderTest(Output!);
        var loop = kit.Spawn(name: "faulty");
        for (int i = 0; i < count; i++)
        {
            string message = $"fault {i}";
            loop.Post(() => throw new FormatException(message));
        }

        await kit.RunUntilIdleAsync();
        return await Assert.ThrowsAsync<XunitException>(kit.DisposeAsync);
    }
}
