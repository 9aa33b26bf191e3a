using Mailbox.Tests.Support;
using Xunit.Abstractions;

namespace Mailbox.Tests.Groups;

/// <summary>A callback that blocks stalls the loops of its own thread, and only those.</summary>
public sealed class BlockedCallbackTests(ITestOutputHelper output) : GroupTestKit(output)
{
    [Fact]
    public async Task Post_CallbackBlocksOnAGate_OnlyTheLoopsOfItsThreadWait()
    {
        await using var group = CreateGroup(threads: 2);
        var (blocked, sibling, stranger) = await SpawnSiblingsAndAStrangerAsync(group);
        var probe = CreateTestProbe();
        using var gate = new Gate();
        blocked.Post(gate.Hold);
        await gate.EnteredAsync();

        sibling.Post(() => probe.Tell("sibling ran"));
        blocked.Post(() => probe.Tell("blocked loop ran"));

        // The other thread still answers, again and again, while this one is held.
        for (int i = 0; i < 10; i++)
        {
            int n = i;
            Assert.Equal(n, await WithinAsync(stranger.RunAsync(() => Task.FromResult(n))));
        }

        stranger.Post(() => probe.Tell("stranger ran"));
        await probe.ExpectMsgAsync("stranger ran", Patience);
        await probe.ExpectNoMsgAsync(Quiet); // the sibling waits behind the blocked callback

        gate.Open();
        var after = new[] { await probe.ExpectMsgAsync<string>(Patience), await probe.ExpectMsgAsync<string>(Patience) };
        Assert.Equal(["blocked loop ran", "sibling ran"], after.Order());
    }
}
