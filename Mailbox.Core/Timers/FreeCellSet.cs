using System.Numerics;

namespace Mailbox;

/// <summary>
/// The indices of a timer queue's free cells, as a bitmap with a summary level above it for every 64 words below, so
/// that <see cref="TakeLowest"/> and <see cref="Add"/> cost one word per level (four levels for up to 16 M cells).
/// </summary>
/// <remarks>
/// Lowest index first, not last freed first: cells are numbered in the order they were made, which is the order the
/// collector keeps them in memory, so a loop that sets a run of timers takes its cells front to back and the cache
/// reads ahead — where a stack would hand them out in the order the last timers happened to fire, scattered over the
/// pool (measured: benchmarks.md, "Run of 2026-12-04, night"). It also keeps the cells in use packed at the low end, so a
/// loop that sets a few timers at a time keeps touching the same few. Owned by the loop thread; never locked.
/// </remarks>
internal sealed class FreeCellSet
{
    private const int WordBits = 64;

    /// <summary><c>_levels[0]</c>: bit i is set while index i is free. <c>_levels[k + 1]</c>: bit j is set while word j of level k is not zero. The top level is one word.</summary>
    private ulong[][] _levels = [new ulong[1]];

    /// <summary>Free indices.</summary>
    public int Count { get; private set; }

    /// <summary>Indices the set can hold without growing (the bottom level doubles when an index does not fit).</summary>
    public int Capacity => _levels[0].Length * WordBits;

    /// <summary>Marks <paramref name="index"/> free; it must not be free already.</summary>
    public void Add(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (index >= Capacity)
        {
            Grow(index);
        }

        for (int level = 0; level < _levels.Length; level++)
        {
            ref ulong word = ref _levels[level][index / WordBits];
            ulong bit = 1UL << (index % WordBits);
            if ((word & bit) != 0)
            {
                // Only a level above the leaf can find its bit set: the word below it had other free indices already.
                if (level == 0)
                {
                    throw new InvalidOperationException($"Index {index} is free already.");
                }

                break;
            }

            bool wasEmpty = word == 0;
            word |= bit;
            if (!wasEmpty)
            {
                break; // the level above already knows this word has free indices
            }

            index /= WordBits;
        }

        Count++;
    }

    /// <summary>Removes and returns the lowest free index; -1 when none is free.</summary>
    public int TakeLowest()
    {
        if (Count == 0)
        {
            return -1;
        }

        int index = 0;
        for (int level = _levels.Length - 1; level >= 0; level--)
        {
            index = (index * WordBits) + BitOperations.TrailingZeroCount(_levels[level][index]);
        }

        int cleared = index;
        for (int level = 0; level < _levels.Length; level++)
        {
            ref ulong word = ref _levels[level][cleared / WordBits];
            word &= ~(1UL << (cleared % WordBits));
            if (word != 0)
            {
                break; // the word still has free indices: the levels above stay as they are
            }

            cleared /= WordBits;
        }

        Count--;
        return index;
    }

    /// <summary>Doubles the bottom level until <paramref name="index"/> fits (its words keep their places) and builds the levels above it again.</summary>
    private void Grow(int index)
    {
        int words = _levels[0].Length;
        while ((long)words * WordBits <= index)
        {
            words *= 2;
        }

        var bottom = new ulong[words];
        _levels[0].CopyTo(bottom, 0);
        var levels = new List<ulong[]> { bottom };
        while (levels[^1].Length > 1)
        {
            var below = levels[^1];
            var above = new ulong[(below.Length + WordBits - 1) / WordBits];
            for (int j = 0; j < below.Length; j++)
            {
                if (below[j] != 0)
                {
                    above[j / WordBits] |= 1UL << (j % WordBits);
                }
            }

            levels.Add(above);
        }

        _levels = [.. levels];
    }
}
