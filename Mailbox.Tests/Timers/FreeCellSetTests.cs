namespace Mailbox.Tests.Timers;

/// <summary>
/// The timer queue's free-cell index set against a sorted-set model: whatever mix of frees and takes, it hands out the
/// lowest free index, counts exactly, grows without losing an index, and refuses an index freed twice.
/// </summary>
public sealed class FreeCellSetTests
{
    [Theory]
    [InlineData(1, 200)] // within one word
    [InlineData(2, 5_000)] // two levels
    [InlineData(3, 300_000)] // past 262,144: four levels
    public void RandomFreesAndTakes_TakeTheLowestFreeIndex_LikeASortedSet(int seed, int range)
    {
        var random = new Random(seed);
        var set = new FreeCellSet();
        var model = new SortedSet<int>();
        for (int step = 0; step < 40_000; step++)
        {
            if (random.Next(3) != 0)
            {
                int index = random.Next(range);
                if (model.Add(index))
                {
                    set.Add(index);
                }
            }
            else
            {
                int expected = model.Count == 0 ? -1 : model.Min;
                Assert.Equal(expected, set.TakeLowest());
                model.Remove(expected);
            }

            Assert.Equal(model.Count, set.Count);
        }

        while (model.Count > 0)
        {
            Assert.Equal(model.Min, set.TakeLowest());
            model.Remove(model.Min);
        }

        Assert.Equal(-1, set.TakeLowest());
        Assert.Equal(0, set.Count);
    }

    [Fact]
    public void Grow_KeepsEveryFreeIndex_AndTheSummaryAboveIt()
    {
        var set = new FreeCellSet();
        set.Add(3);
        set.Add(63);
        set.Add(64 * 64 * 64); // three growths at once: every level is built again
        set.Add(70);
        Assert.True(set.Capacity > 64 * 64 * 64);
        Assert.Equal([3, 63, 70, 64 * 64 * 64], [set.TakeLowest(), set.TakeLowest(), set.TakeLowest(), set.TakeLowest()]);
        Assert.Equal(-1, set.TakeLowest());
    }

    [Fact]
    public void Add_AnIndexFreeAlready_Throws_AndKeepsTheCount()
    {
        var set = new FreeCellSet();
        set.Add(5);
        set.Add(6);
        Assert.Throws<InvalidOperationException>(() => set.Add(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Add(-1));
        Assert.Equal(2, set.Count);
        Assert.Equal(5, set.TakeLowest());
        Assert.Equal(6, set.TakeLowest());
    }

    [Fact]
    public void Take_ClearsAWordsSummaryBit_OnlyWhenItsLastIndexGoes()
    {
        var set = new FreeCellSet();
        set.Add(64 * 5 + 1);
        set.Add(64 * 5 + 2);
        set.Add(64 * 9);
        Assert.Equal((64 * 5) + 1, set.TakeLowest());
        Assert.Equal((64 * 5) + 2, set.TakeLowest()); // the word still had one: its summary bit stayed
        Assert.Equal(64 * 9, set.TakeLowest()); // word 5 empty: its bit cleared, the search goes on to word 9
        set.Add(64 * 5);
        Assert.Equal(64 * 5, set.TakeLowest()); // and set again when the word gets an index back
    }
}
