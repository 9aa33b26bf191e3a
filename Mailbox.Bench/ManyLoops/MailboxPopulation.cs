namespace Mailbox.Bench.ManyLoops;

/// <summary>
/// <see cref="EntityPopulation.Count"/> Mailbox loops spawned into a <see cref="LoopGroup"/>: the request is
/// <c>loop.RunAsync(() =&gt; Task.FromResult(1))</c>, a storm message is <c>loop.Post(static tally =&gt; tally.Signal(), tally)</c>
/// (no allocation per post). Every loop gets the same messages, so <see cref="MessagesPerLoop"/> is what each loop's
/// <see cref="StopReport"/> must say, and <see cref="MessagesSent"/> what the group's report must sum to.
/// </summary>
public sealed class MailboxPopulation : EntityPopulation
{
    /// <summary>The name every loop gets (names need not be unique).</summary>
    private const string LoopName = "bench-many-loops";

    /// <summary>The request: already complete, so the loop answers at once.</summary>
    private static readonly Func<Task<int>> s_returnOne = static () => Task.FromResult(1);

    /// <summary>The storm message, run on the loop with the loop's tally as state.</summary>
    private static readonly Action<StormTally> s_signal = static tally => tally.Signal();

    /// <summary>The loops of the current spawn.</summary>
    private readonly LoopActor[] _loops;

    /// <summary>Per loop, its storm tally (index i belongs to loop i).</summary>
    private readonly StormTally[] _tallies;

    /// <summary>The requests of a round trip, kept only while it runs.</summary>
    private readonly Task<int>[] _requests;

    /// <summary>Round trips since the last spawn.</summary>
    private int _roundTrips;

    /// <summary>Creates an empty population of <paramref name="count"/> loops; <see cref="Spawn"/> fills it.</summary>
    public MailboxPopulation(int count)
        : base(count)
    {
        _loops = new LoopActor[count];
        _tallies = new StormTally[count];
        _requests = new Task<int>[count];
    }

    /// <summary>Messages each loop has been sent since the last spawn: its requests and its storm messages.</summary>
    public long MessagesPerLoop => _roundTrips + (StormMessagesSent / Count);

    /// <summary>Messages the loops have been sent since the last spawn, all loops together.</summary>
    public long MessagesSent => MessagesPerLoop * Count;

    /// <summary>Spawns <see cref="EntityPopulation.Count"/> loops into <paramref name="group"/>, each with a fresh tally.</summary>
    public void Spawn(LoopGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        _roundTrips = 0;
        ResetStormCount();
        for (int i = 0; i < _loops.Length; i++)
        {
            _loops[i] = group.Spawn(LoopName);
            _tallies[i] = new StormTally(StormRound);
        }
    }

    /// <summary>Sends one request to every loop, all in flight at once, then awaits every answer.</summary>
    /// <exception cref="InvalidOperationException">A loop answered something else than 1.</exception>
    public async Task RoundTripAsync()
    {
        _roundTrips++;
        LoopActor[] loops = _loops;
        Task<int>[] requests = _requests;
        for (int i = 0; i < loops.Length; i++)
        {
            requests[i] = loops[i].RunAsync(s_returnOne);
        }

        for (int i = 0; i < requests.Length; i++)
        {
            if (await requests[i].ConfigureAwait(false) != 1)
            {
                throw new InvalidOperationException($"Loop {i} answered its request wrongly.");
            }

            requests[i] = null!;
        }
    }

    /// <summary>
    /// Stops every loop with its own <c>StopAsync()</c> (Drain), all stops in flight at once, and checks each loop's
    /// report against <see cref="MessagesPerLoop"/>. The group goes on; its own stop is the caller's.
    /// </summary>
    /// <exception cref="InvalidOperationException">A loop's report disagrees with what it was sent.</exception>
    public void StopEachAndVerify() => LoopReports.StopAllAndVerify(_loops, MessagesPerLoop, "requests and storm posts");

    /// <inheritdoc/>
    protected override void SendStorm()
    {
        LoopActor[] loops = _loops;
        StormTally[] tallies = _tallies;
        for (int round = 0; round < StormMessagesPerEntity; round++)
        {
            for (int i = 0; i < loops.Length; i++)
            {
                loops[i].Post(s_signal, tallies[i]);
            }
        }
    }
}
