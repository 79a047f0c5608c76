/* Buttons marked data-print open the browser's print dialog. A file rather than onclick="…", so
   pages keep a Content-Security-Policy without 'unsafe-inline'. */
document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-print]");
    if (button) {
        window.print();
    }
});
