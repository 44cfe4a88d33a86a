/*
 * main.c - dockward-store. Everything but this function lives in the
 * dockward_store library so tests link the same objects; see store.c.
 */
#include "store.h"

int main(int argc, char **argv)
{
    return store_main(argc, argv);
}
